import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/coverage/**', '**/node_modules/**', '.data/**', 'packages/clip/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@sis/gateway', '@sis/search', '@sis/worker'], message: 'services never import each other, and packages never import services' },
            { group: ['**/services/*/src/**', '../../gateway/**', '../../search/**', '../../worker/**'], message: 'services never import each other, and packages never import services' },
          ],
        },
      ],
    },
  },
  {
    // The web pages run in browsers, as plain ES modules.
    files: ['services/gateway/public/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Tests read JSON bodies whose shape the assertions check.
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
