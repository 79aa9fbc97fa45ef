// Lint rules for the admin app: the recommended set plus a few that keep
// the modules small and plain.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
      'no-implicit-globals': 'error',
      'max-lines': ['warn', 600],
    },
  },
  {
    files: ['build.mjs', 'eslint.config.js'],
    languageOptions: { globals: { ...globals.node } },
  },
];
