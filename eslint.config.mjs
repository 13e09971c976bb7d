import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // tools/pack-consumer: a backend project's files, run outside the workspace by tools/pack-test.sh
    ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '**/.nx/**', '**/.veza/**', '**/out-*/**', 'tools/lint-fixtures/**', 'tools/pack-consumer/**'],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(fs|path|os|crypto|child_process|http|https|net|url|util|stream|events|readline|zlib|assert|worker_threads|timers|dns|tls)(/.*)?$', message: 'Use the node: protocol.' }] }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing'] },
            // invite-rules is the one source of the invite rules: every lib may import it, it imports no lib.
            { sourceTag: "scope:rules", onlyDependOnLibsWithTags: ["scope:testing"] },
            { sourceTag: "scope:gates", onlyDependOnLibsWithTags: ["scope:data", "scope:rules", "scope:testing"] },
            { sourceTag: "scope:email", onlyDependOnLibsWithTags: ["scope:rules", "scope:testing"] },
            { sourceTag: "scope:cohort", onlyDependOnLibsWithTags: ["scope:rules", "scope:testing"] },
            { sourceTag: "scope:data", onlyDependOnLibsWithTags: ["scope:rules", "scope:testing"] },
            // invite-mailer sends what the others store and render; no lib imports it back.
            { sourceTag: "scope:mailer", onlyDependOnLibsWithTags: ["scope:data", "scope:email", "scope:rules", "scope:testing"] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
