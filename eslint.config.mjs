import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Core code runs in plain Node (unit tests, CLI): it must never depend on the editor. */
const NO_VSCODE = { name: 'vscode', message: 'src/core runs in plain Node; put editor code in src/host or src/features.' };
/** node:crypto loads ~40 of Node's internal modules; src/core/util/nodeCrypto.ts loads it on first use. */
const LAZY_CRYPTO = { name: 'node:crypto', allowTypeImports: true, message: 'Use nodeCrypto() from src/core/util/nodeCrypto.ts: a module-level import makes activation load crypto.' };

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.tools/**', 'test-results/**', 'test/fixtures/**', '**/*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The editor code takes the API as `import vscode = require('vscode')`: esbuild then reads the
    // API object as it is. An `import * as vscode` of that external CommonJS module makes the bundle
    // copy every property of the API into a namespace object once per importing module (45 of
    // them), about a tenth of activation's CPU time.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [LAZY_CRYPTO] }],
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^vscode$'] }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='vscode'][importKind!='type'] > ImportNamespaceSpecifier",
          message: "Write `import vscode = require('vscode');` (see eslint.config.mjs: a namespace import copies the whole API per module).",
        },
      ],
    },
  },
  {
    // The core runs in plain Node (unit tests, CLI): it must never depend on the editor.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [NO_VSCODE, LAZY_CRYPTO] }],
    },
  },
  // core/batch (building, submitting) and core/tracking (following jobs) share the job model and the
  // submission protocol through core/jobs; neither imports the other, and core/jobs imports neither.
  ...[
    { folder: 'batch', banned: ['tracking'] },
    { folder: 'tracking', banned: ['batch'] },
    { folder: 'jobs', banned: ['batch', 'tracking'] },
  ].map(({ folder, banned }) => ({
    files: [`src/core/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_VSCODE, LAZY_CRYPTO],
          patterns: banned.map((other) => ({ group: [`../${other}`, `../${other}/*`, `**/core/${other}/*`], message: `src/core/${folder} must not import src/core/${other}: share it through src/core/jobs.` })),
        },
      ],
    },
  })),
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', Buffer: 'readonly', fetch: 'readonly', AbortController: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
