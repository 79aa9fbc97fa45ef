// Flat config: browser ES modules in src/, Node for the build script.

const browser = Object.fromEntries([
  'window', 'document', 'navigator', 'location', 'history', 'localStorage',
  'performance', 'fetch', 'Blob', 'URL', 'TextEncoder', 'Intl',
  'IntersectionObserver', 'MutationObserver', 'setTimeout', 'clearTimeout',
  'setInterval', 'clearInterval', 'innerWidth', 'innerHeight', 'console'
].map((g) => [g, 'readonly']));

const node = Object.fromEntries(['process', 'console', 'URL']
  .map((g) => [g, 'readonly']));

const rules = {
  'no-undef': 'error',
  'no-unused-vars': ['error', { caughtErrors: 'none' }],
  'no-redeclare': 'error',
  'no-shadow': 'error',
  'no-var': 'error',
  'prefer-const': 'error',
  eqeqeq: ['error', 'smart'],
  'no-implicit-globals': 'error',
  'no-unreachable': 'error',
  'no-dupe-keys': 'error',
  'no-empty': 'error',
  'no-eval': 'error',
  'no-implied-eval': 'error',
  'no-new-func': 'error',
  'no-unsafe-finally': 'error',
  'no-fallthrough': 'error',
  'no-constant-condition': 'error',
  'no-self-assign': 'error',
  'no-use-before-define': ['error', { functions: false }],
  'max-len': ['error', { code: 80, ignoreUrls: true }]
};

export default [
  { ignores: ['dist/', 'node_modules/'] },
  {
    files: ['src/**/*.js'],
    languageOptions: {
      ecmaVersion: 2022, sourceType: 'module', globals: browser
    },
    rules
  },
  {
    files: ['*.mjs', '*.js'],
    languageOptions: {
      ecmaVersion: 2022, sourceType: 'module', globals: node
    },
    rules
  }
];
