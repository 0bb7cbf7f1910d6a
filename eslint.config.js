// `npm run lint`: ESLint's and typescript-eslint's recommended rules, syntax only (no type-aware
// rules, so it needs no build and takes seconds), tuned to what this code does on purpose.
// Type errors are `npm run typecheck`'s job; formatting is nobody's.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores(['**/node_modules/', '**/dist/', 'bench/tmp/', 'coverage/']),
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      // Node globals for the few plain JavaScript files (this one); TypeScript resolves its own.
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring to drop a key, ignored params).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Pulumi mocks, JSON from the wire and test fixtures are typed `any` at the boundary on purpose;
      // the strict compiler settings catch what matters.
      '@typescript-eslint/no-explicit-any': 'off',
      // Non-null assertions after a check the compiler cannot follow (noUncheckedIndexedAccess).
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Validators match control characters on purpose (config values must be one printable line).
      'no-control-regex': 'off',
      // Expected CLI output is matched column for column; the spaces are the columns.
      'no-regex-spaces': 'off',
      // A failure rethrown with more context (a console log) keeps the message, not the object.
      'preserve-caught-error': 'off',
    },
  },
]);
