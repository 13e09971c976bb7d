import { fileURLToPath } from 'node:url';
import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Lints a piece of code as if it were a file at `filePath` (relative to the repository root).
 * The file is not on disk, so no tsconfig has it: the type-checked rules are off for it.
 */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root, overrideConfig: tseslint.configs.disableTypeChecked });
  const [result] = await eslint.lintText(code, { filePath: `${root}/${filePath}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('Nx module boundaries', () => {
  // the rule reads Nx's cached project graph and reports nothing without one (a clone where nx never ran,
  // or .nx/workspace-data wiped): compute it first, so a missing cache cannot read as "no violation"
  beforeAll(() => createProjectGraphAsync({ exitOnError: false }), 120_000);

  it('a lib importing an app is a lint error', async () => {
    const errors = await boundaryErrors('libs/cohort-validator/src/boundary-fixture.ts', "import '@veza/redemption-api';\n");
    expect(errors.join('\n')).toMatch(/Imports of apps are forbidden/);
    // an app that depends on the lib makes it a cycle, reported too
    expect((await boundaryErrors('libs/gate-probes/src/boundary-fixture.ts', "import '@veza/cli';\n")).join('\n')).toMatch(
      /Circular dependency between "gate-probes" and "cli"/,
    );
  });

  it('a lib importing another lib outside its allowed scopes is a lint error', async () => {
    const errors = await boundaryErrors(
      'libs/email-templates/src/boundary-fixture.ts',
      "import { openDatabase } from '@veza/invites-db';\nexport const x = openDatabase;\n",
    );
    expect(errors.join('\n')).toMatch(/scope:email/);
  });

  it('every lib and app may import @veza/invite-rules; invite-rules imports no lib', async () => {
    const use = "import { cohortProblem } from '@veza/invite-rules';\nexport const x = cohortProblem;\n";
    for (const file of [
      'libs/invites-db/src/boundary-fixture.ts',
      'libs/cohort-validator/src/boundary-fixture.ts',
      'libs/email-templates/src/boundary-fixture.ts',
      'libs/gate-probes/src/boundary-fixture.ts',
      'apps/redemption-api/src/boundary-fixture.ts',
    ]) {
      expect([file, await boundaryErrors(file, use)]).toEqual([file, []]);
    }
    const errors = await boundaryErrors(
      'libs/invite-rules/src/boundary-fixture.ts',
      "import { openDatabase } from '@veza/invites-db';\nexport const x = openDatabase;\n",
    );
    // every lib imports invite-rules, so the import back is reported as a cycle as well as a scope breach
    expect(errors.join('\n')).toMatch(/scope:rules|Circular dependency between "invite-rules"/);
  });

  it('invite-mailer may import invites-db, email-templates and invite-rules; apps may import it; no other lib may', async () => {
    const uses =
      "import { redeemInvite } from '@veza/invites-db';\nimport { buildEml } from '@veza/email-templates';\nimport { cohortProblem } from '@veza/invite-rules';\nexport const x = [redeemInvite, buildEml, cohortProblem];\n";
    expect(await boundaryErrors('libs/invite-mailer/src/boundary-fixture.ts', uses)).toEqual([]);
    const mailer = "import { dispatchInvites } from '@veza/invite-mailer';\nexport const x = dispatchInvites;\n";
    for (const app of ['apps/cli/src/boundary-fixture.ts', 'apps/redemption-api/src/boundary-fixture.ts'])
      expect([app, await boundaryErrors(app, mailer)]).toEqual([app, []]);
    expect((await boundaryErrors('libs/gate-probes/src/boundary-fixture.ts', mailer)).join('\n')).toMatch(/scope:gates/);
    expect((await boundaryErrors('libs/invites-db/src/boundary-fixture.ts', mailer)).join('\n')).toMatch(/scope:data|Circular dependency/);
    expect(
      (
        await boundaryErrors(
          'libs/invite-mailer/src/boundary-fixture.ts',
          "import { runGates } from '@veza/gate-probes';\nexport const x = runGates;\n",
        )
      ).join('\n'),
    ).toMatch(/scope:mailer/);
  });

  it('apps, invites-db, email-templates, gate-probes and invite-mailer may import @veza/settings; it imports only invite-rules', async () => {
    const use = "import { readSettings } from '@veza/settings';\nexport const x = readSettings;\n";
    for (const file of [
      'apps/cli/src/boundary-fixture.ts',
      'apps/monitor-worker/src/boundary-fixture.ts',
      'libs/invites-db/src/boundary-fixture.ts',
      'libs/email-templates/src/boundary-fixture.ts',
      'libs/gate-probes/src/boundary-fixture.ts',
      'libs/invite-mailer/src/boundary-fixture.ts',
    ]) {
      expect([file, await boundaryErrors(file, use)]).toEqual([file, []]);
    }
    expect((await boundaryErrors('libs/cohort-validator/src/boundary-fixture.ts', use)).join('\n')).toMatch(/scope:cohort/);
    expect(
      await boundaryErrors(
        'libs/settings/src/boundary-fixture.ts',
        "import { problemText } from '@veza/invite-rules';\nexport const x = problemText;\n",
      ),
    ).toEqual([]);
    expect(
      (
        await boundaryErrors(
          'libs/settings/src/boundary-fixture.ts',
          "import { openDatabase } from '@veza/invites-db';\nexport const x = openDatabase;\n",
        )
      ).join('\n'),
    ).toMatch(/scope:settings|Circular dependency/);
  });

  it('reaching into a lib by relative path is a lint error', async () => {
    const errors = await boundaryErrors(
      'apps/cli/src/boundary-fixture.ts',
      "import { generateCode } from '../../../libs/invites-db/src/code.js';\nexport const x = generateCode;\n",
    );
    expect(errors.join('\n')).toMatch(/cannot be imported by a relative or absolute path/);
  });

  it('an app importing a lib through its package name is fine', async () => {
    expect(
      await boundaryErrors(
        'apps/cli/src/boundary-fixture.ts',
        "import { openDatabase } from '@veza/invites-db';\nexport const x = openDatabase;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryErrors(
        'libs/gate-probes/src/boundary-fixture.ts',
        "import { countRedeemedInvites } from '@veza/invites-db';\nexport const x = countRedeemedInvites;\n",
      ),
    ).toEqual([]);
  });
});
