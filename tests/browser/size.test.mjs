// The built widget stays within its budget of 8 KiB gzipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { root } from './lib.mjs';

test('widget/dist/widget.js is at most 8 KiB gzipped', () => {
  const js = readFileSync(join(root, 'widget/dist/widget.js'));
  const gz = gzipSync(js, { level: 9 }).length;
  assert.ok(gz <= 8192, `widget.js is ${gz} bytes gzipped`);
});
