import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettierRecommended from 'eslint-plugin-prettier/recommended';

export default tseslint.config(
  {
    // tools/pack-consumer: a backend project's files, run outside the workspace by tools/pack-test.sh
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      '**/.nx/**',
      '**/.veza/**',
      '**/out-*/**',
      'tools/lint-fixtures/**',
      'tools/pack-consumer/**',
      'tmp/**', // scratch space (gitignored): partial bench reports, experiments
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // Every linted TS file (src, specs, __tests__, testing, bench) is in its project's tsconfig.json.
    languageOptions: {
      parserOptions: { project: ['./tsconfig.all.json', './tools/testing/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // Plain JS (bin launchers, jest configs, the signup page script) is not type-checked.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      // Passing a caught `unknown` on unchanged (reject(error) in a catch) is allowed, as only-throw-error allows `throw error`.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(fs|path|os|crypto|child_process|http|https|net|url|util|stream|events|readline|zlib|assert|worker_threads|timers|dns|tls)(/.*)?$',
              message: 'Use the node: protocol.',
            },
          ],
        },
      ],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          // invite-mailer loads the welcome entry of email-templates on first use (React is heavy) and its main entry statically: not a bundle split.
          checkDynamicDependenciesExceptions: ['@veza/email-templates'],
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing'] },
            // invite-rules is the one source of the invite rules: every lib may import it, it imports no lib.
            { sourceTag: 'scope:rules', onlyDependOnLibsWithTags: ['scope:testing'] },
            // settings is the one settings reader (env + .env + a zod schema): it imports only the rules (the shared Problem type).
            { sourceTag: 'scope:settings', onlyDependOnLibsWithTags: ['scope:rules', 'scope:testing'] },
            { sourceTag: 'scope:gates', onlyDependOnLibsWithTags: ['scope:data', 'scope:rules', 'scope:settings', 'scope:testing'] },
            { sourceTag: 'scope:email', onlyDependOnLibsWithTags: ['scope:rules', 'scope:settings', 'scope:testing'] },
            { sourceTag: 'scope:cohort', onlyDependOnLibsWithTags: ['scope:rules', 'scope:testing'] },
            { sourceTag: 'scope:data', onlyDependOnLibsWithTags: ['scope:rules', 'scope:settings', 'scope:testing'] },
            // invite-mailer sends what the others store and render; no lib imports it back.
            {
              sourceTag: 'scope:mailer',
              onlyDependOnLibsWithTags: ['scope:data', 'scope:email', 'scope:rules', 'scope:settings', 'scope:testing'],
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  // Layout is prettier's (.prettierrc.json): a file that is not formatted is a lint error (`npm run format` fixes it).
  // Last, so that eslint-config-prettier turns off the stylistic rules that would fight it.
  prettierRecommended,
);
