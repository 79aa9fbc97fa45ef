// Bundles src/main.js into dist/widget.js (IIFE, ES2019, minified),
// prints the raw and gzip sizes and fails when gzip exceeds the budget.

import { build, transform } from 'esbuild';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

const BUDGET = 8192;
const out = 'dist/widget.js';

/* `import css from './x.css'` gives the minified stylesheet as a string. */
const cssText = {
  name: 'css-text',
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, async (args) => {
      const src = await readFile(args.path, 'utf8');
      const { code } = await transform(src, { loader: 'css', minify: true });
      return { contents: code.trim(), loader: 'text' };
    });
  }
};

await build({
  entryPoints: ['src/main.js'],
  outfile: out,
  bundle: true,
  format: 'iife',
  target: 'es2019',
  minify: true,
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
  plugins: [cssText]
});

const code = readFileSync(out);
const gz = gzipSync(code, { level: 9 }).length;
console.log(`${out}: ${code.length} bytes raw, ${gz} bytes gzip ` +
  `(budget ${BUDGET})`);
if (gz > BUDGET) {
  console.error(`gzip size ${gz} exceeds ${BUDGET} bytes`);
  process.exit(1);
}
