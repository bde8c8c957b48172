// ESLint with type information (typescript-eslint, projectService: each file is checked with its own tsconfig).
// The type-aware rules are errors in src/ as everywhere (LINT_SRC_TYPED=warn lowers them for a local look only).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SRC_TYPED_LEVEL = process.env.LINT_SRC_TYPED ?? 'error';

/** The type-aware rules of recommendedTypeChecked, at one level. */
const typedRules = (level) =>
  Object.fromEntries(
    tseslint.configs.recommendedTypeCheckedOnly
      .flatMap((c) => Object.entries(c.rules ?? {}))
      .map(([rule, setting]) => [
        rule,
        Array.isArray(setting) ? [level, ...setting.slice(1)] : setting === 'off' || setting === 0 ? 'off' : level,
      ]),
  );

/** The rules the issue asks for in src/: promises that nobody awaits, promises where a boolean or void is expected, switches that miss a case, any. */
const mustRules = (level) => ({
  '@typescript-eslint/no-floating-promises': level,
  '@typescript-eslint/no-misused-promises': level,
  '@typescript-eslint/switch-exhaustiveness-check': [level, { considerDefaultExhaustiveForUnions: true }],
  '@typescript-eslint/no-explicit-any': level,
});

export default tseslint.config(
  // test/client/ is type-checked against the generated API types by its own spec (test/generated-client.e2e-spec.ts).
  {
    ignores: [
      'dist/**',
      'dist-bench/**',
      'dist-drill/**',
      'node_modules/**',
      'coverage/**',
      '.local/**',
      'bench/results/**',
      'test/client/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A package's dist/ folder is its private layout: import what its entry point exports.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/dist', '**/dist/**', '!./**', '!../**'],
              message: "Import the package's public entry point, not its dist/ internals.",
            },
          ],
        },
      ],
    },
  },
  {
    // Temporary exception (issue 12, item 1): the throttle store's deep import of @nestjs/throttler is being replaced.
    files: ['src/common/http/throttle.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/**/*.ts', 'migrations/**/*.ts'],
    rules: { ...typedRules(SRC_TYPED_LEVEL), ...mustRules(SRC_TYPED_LEVEL) },
  },
  {
    // Tests and the benchmark: the promise and switch rules hold; reading untyped response bodies (supertest's `any`)
    // is what these files do, so the no-unsafe-* family and no-explicit-any are off here.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      ...typedRules('error'),
      ...mustRules('error'),
      'no-console': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off', // expect(service.method).toHaveBeenCalled… and jest.spyOn
      '@typescript-eslint/require-await': 'off', // async stubs that stand in for a Promise-returning function
    },
  },
  {
    files: ['*.mjs'],
    languageOptions: { globals: { process: 'readonly' } },
  },
  {
    files: ['scripts/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' },
    },
    rules: { 'no-console': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
);
