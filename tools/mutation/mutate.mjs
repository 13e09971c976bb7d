#!/usr/bin/env node
// A small mutation tester: applies one mutation at a time to one source file,
// runs the spec files given for it, and lists the mutants the specs let
// through (docs/README.md, "Mutation testing").
//
//   node tools/mutation/mutate.mjs [--timeout S] [--only LINE[,LINE]] [--list] FILE SPEC...
//
// The mutations, found in the file's syntax tree (never in comments, strings
// of messages or types): a comparison flipped (=== and !==, < and <=, > and
// >=), && and || swapped, ?? made ||, a ! dropped, true and false swapped, an
// integer literal plus one, a verdict or status word replaced by another of
// its set, an if's condition made true or false, a call or assignment
// statement, a throw or a return deleted.
//
// Each mutant is written over FILE, the specs run (jest, one worker, --bail,
// a deadline per mutant), and FILE is put back as it was, also on Ctrl-C.
// A mutant is killed when jest exits non-zero; one that runs out of time is
// counted killed and printed as TIMEOUT (look at it: a slow spec set under load
// is no kill); it survives when the specs pass. SIGINT/SIGTERM end jest's
// process group and put FILE back. Survivors are printed with their line and the
// code before and after; the last line is the score. Exit 0 when no mutant
// survived, 1 when some did, 3 on bad arguments, when there is no mutant to
// try (none in FILE, or none on the lines --only names: --list shows them),
// or when the specs fail on the unmutated file. --list honours --only.
// While it runs, FILE's unmutated text is also in FILE.mutate-original,
// removed when it ends: a run killed outright (kill -9, a machine that went
// down) leaves both, and the next run on FILE refuses (exit 3) until the
// file is put back (mv FILE.mutate-original FILE, or git checkout).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const WORD_SETS = [
  ['pass', 'fail', 'unknown'],
  ['GO', 'NO-GO', 'inconclusive'],
  ['go', 'no-go', 'inconclusive'],
  ['ok', 'warn', 'fail', 'skip'],
  ['valid', 'expired', 'used', 'revoked', 'unknown', 'not_found'],
];
const SWAPS = {
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: ['!=='],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: ['==='],
  [ts.SyntaxKind.EqualsEqualsToken]: ['!='],
  [ts.SyntaxKind.ExclamationEqualsToken]: ['=='],
  [ts.SyntaxKind.LessThanToken]: ['<='],
  [ts.SyntaxKind.LessThanEqualsToken]: ['<'],
  [ts.SyntaxKind.GreaterThanToken]: ['>='],
  [ts.SyntaxKind.GreaterThanEqualsToken]: ['>'],
  [ts.SyntaxKind.AmpersandAmpersandToken]: ['||'],
  [ts.SyntaxKind.BarBarToken]: ['&&'],
  [ts.SyntaxKind.QuestionQuestionToken]: ['||'],
  [ts.SyntaxKind.PlusToken]: ['-'],
  [ts.SyntaxKind.MinusToken]: ['+'],
};

function usage(message) {
  process.stderr.write(
    `mutate: ${message}\nusage: node tools/mutation/mutate.mjs [--timeout S] [--only LINE[,LINE]] [--list] FILE SPEC...\n`,
  );
  process.exit(3);
}

function parseArgs(argv) {
  const args = { timeout: 120, only: null, list: false, rest: [] };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--list') args.list = true;
    else if (argv[i] === '--timeout') args.timeout = Number(argv[(i += 1)]);
    else if (argv[i] === '--only') {
      const lines = String(argv[(i += 1)]);
      if (!/^[1-9]\d*(,[1-9]\d*)*$/.test(lines)) usage(`--only wants line numbers separated by commas (got '${lines}')`);
      args.only = new Set(lines.split(',').map(Number));
    } else args.rest.push(argv[i]);
  }
  if (!(args.timeout > 0)) usage('--timeout wants a number of seconds');
  if (args.rest.length < 2) usage('a source file and at least one spec file');
  return args;
}

/** Every mutant of the source: { start, end, replacement, kind }. */
export function findMutants(source, fileName) {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const mutants = [];
  const add = (node, replacement, kind) => mutants.push({ start: node.getStart(file), end: node.getEnd(), replacement, kind });
  const inType = (node) => {
    for (let n = node.parent; n; n = n.parent) {
      if (ts.isTypeNode(n) || ts.isImportDeclaration(n) || ts.isExportDeclaration(n) || ts.isEnumDeclaration(n)) return true;
    }
    return false;
  };
  const visit = (node) => {
    if (ts.isTypeNode(node) || ts.isImportDeclaration(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
    if (ts.isBinaryExpression(node)) {
      for (const op of SWAPS[node.operatorToken.kind] ?? []) add(node.operatorToken, op, 'operator');
    } else if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) {
      add(node, node.operand.getText(file), 'negation dropped');
    } else if (node.kind === ts.SyntaxKind.TrueKeyword) {
      add(node, 'false', 'boolean');
    } else if (node.kind === ts.SyntaxKind.FalseKeyword) {
      add(node, 'true', 'boolean');
    } else if (ts.isNumericLiteral(node) && /^\d+$/.test(node.text) && !inType(node)) {
      if (!(node.parent && ts.isPropertyAssignment(node.parent) && node.parent.name === node))
        add(node, String(Number(node.text) + 1), 'number');
    } else if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && !inType(node)) {
      const parent = node.parent;
      const isKey = parent && (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name === node;
      if (!isKey) {
        for (const set of WORD_SETS) {
          if (set.includes(node.text)) {
            for (const other of set) if (other !== node.text) add(node, `'${other}'`, 'word');
            break;
          }
        }
      }
    } else if (ts.isIfStatement(node)) {
      add(node.expression, 'true', 'if made true');
      add(node.expression, 'false', 'if made false');
    } else if (ts.isExpressionStatement(node) || ts.isThrowStatement(node) || ts.isReturnStatement(node)) {
      if (ts.isBlock(node.parent) || ts.isSourceFile(node.parent) || ts.isCaseClause(node.parent)) {
        add(node, ts.isReturnStatement(node) && node.expression ? 'return undefined as never;' : ';', 'statement deleted');
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  const lineOf = (pos) => file.getLineAndCharacterOfPosition(pos).line + 1;
  return mutants.map((m) => ({ ...m, line: lineOf(m.start), original: source.slice(m.start, m.end) }));
}

let running = null;

/** Runs the specs in a child jest; 'passed', 'failed' or 'timeout'. The deadline's timer is cleared when jest ends. */
function runSpecs(specs, timeoutSeconds) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        'node_modules/jest/bin/jest.js',
        '--config',
        'jest.config.cjs',
        '--maxWorkers=1',
        '--bail',
        '--silent',
        '--cacheDirectory=/tmp/veza-mutation-jest-cache',
        ...specs,
      ],
      {
        env: { ...process.env, CI: 'true', NODE_OPTIONS: '--experimental-vm-modules --no-warnings=ExperimentalWarning' },
        stdio: 'ignore',
        detached: true,
      },
    );
    running = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutSeconds * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      running = null;
      resolve(timedOut ? 'timeout' : code === 0 ? 'passed' : 'failed');
    });
  });
}

/** jest and whatever its specs started (servers, CLI children): its own process group. */
function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function oneLine(text) {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 90 ? `${flat.slice(0, 87)}...` : flat;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const [file, ...specs] = args.rest;
  // A run killed outright left a mutant in FILE: taken as the original, it was measured against and stayed.
  const saved = `${file}.mutate-original`;
  if (existsSync(saved)) {
    process.stderr.write(
      `mutate: a run killed before it ended left ${file} with a mutant in it; its unmutated text is ${saved}: put it back (mv ${saved} ${file}, or git checkout -- ${file} when it was committed) and run again\n`,
    );
    process.exit(3);
  }
  const original = readFileSync(file, 'utf8');
  const restore = () => {
    writeFileSync(file, original);
    rmSync(saved, { force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (running) killGroup(running);
      restore();
      process.exit(130);
    });
  }
  let mutants = findMutants(original, path.basename(file));
  if (args.only) mutants = mutants.filter((m) => args.only.has(m.line));
  // no mutant is nothing measured, not a perfect score (it printed 0/0 killed (100%), exit 0)
  if (mutants.length === 0) {
    process.stderr.write(
      args.only
        ? `mutate: no mutant on line ${[...args.only].join(', ')} of ${file} (--list shows them); nothing to measure\n`
        : `mutate: no mutant in ${file}; nothing to measure\n`,
    );
    process.exit(3);
  }
  if (args.list) {
    for (const m of mutants) process.stdout.write(`${file}:${m.line} [${m.kind}] ${oneLine(m.original)}  =>  ${oneLine(m.replacement)}\n`);
    return;
  }
  const start = Date.now();
  writeFileSync(saved, original);
  const baseline = await runSpecs(specs, args.timeout * 3);
  if (baseline !== 'passed') {
    restore();
    process.stderr.write(`mutate: the specs do not pass on the unmutated ${file} (${baseline}); nothing to measure\n`);
    process.exit(3);
  }
  let killed = 0;
  const survivors = [];
  try {
    for (const [index, m] of mutants.entries()) {
      writeFileSync(file, original.slice(0, m.start) + m.replacement + original.slice(m.end));
      const outcome = await runSpecs(specs, args.timeout);
      writeFileSync(file, original);
      if (outcome === 'passed') {
        survivors.push(m);
        process.stdout.write(`SURVIVED ${file}:${m.line} [${m.kind}] ${oneLine(m.original)}  =>  ${oneLine(m.replacement)}\n`);
      } else {
        killed += 1;
        if (outcome === 'timeout')
          process.stdout.write(`TIMEOUT ${file}:${m.line} [${m.kind}] ${oneLine(m.original)}  =>  ${oneLine(m.replacement)}\n`);
      }
      process.stderr.write(`\r${index + 1}/${mutants.length}`);
    }
  } finally {
    restore();
  }
  const total = mutants.length;
  const score = Math.round((killed / total) * 1000) / 10;
  process.stderr.write('\n');
  process.stdout.write(
    `SCORE ${file}: ${killed}/${total} killed (${score}%), ${survivors.length} survived, ${Math.round((Date.now() - start) / 1000)}s\n`,
  );
  process.exit(survivors.length === 0 ? 0 : 1);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
