// Herald browser tests - helpers: a real `herald serve` on a free port,
// workspaces made with the CLI, and headless Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');

export function heraldBin() {
  return process.env.HERALD_BIN
    ? resolve(root, process.env.HERALD_BIN)
    : join(root, 'bin/herald');
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

// Starts `herald serve` with the parent's environment (database URL and
// so on) plus `env`; resolves on its "herald ready" line with
// { url, port, proc, log(), stop() }.
export async function startServer(env = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(heraldBin(), ['serve'], {
    cwd: root,
    env: {
      ...process.env,
      HERALD_LISTEN: `127.0.0.1:${port}`,
      HERALD_PUBLIC_URL: url,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const ready = new Promise((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`herald not ready in 15 s:\n${log}`)), 15000);
    const onData = (chunk) => {
      log += chunk;
      if (log.includes('herald ready')) {
        clearTimeout(timer);
        ok();
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`herald exited (${code}) before ready:\n${log}`));
    });
  });
  await ready;
  return {
    url,
    port,
    proc,
    log: () => log,
    stop: () => new Promise((ok) => {
      if (proc.exitCode !== null) return ok();
      proc.once('exit', () => ok());
      proc.kill('SIGTERM');
    }),
  };
}

// Creates a workspace with `herald workspace create`; returns its JSON
// (id, slug, public_key, write_key, admin_token, identity_secret).
export function workspace(name = 'Browser test') {
  const slug = `b${process.pid}-${Date.now().toString(36)}-` +
    Math.random().toString(36).slice(2, 6);
  const out = execFileSync(heraldBin(),
    ['workspace', 'create', '--name', name, '--slug', slug],
    { cwd: root, env: process.env, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
}

// Headless Chromium from Debian with an ordinary user agent (C-07: a
// HeadlessChrome agent would be treated as a robot) and a fresh profile
// (--user-data-dir, given through Playwright's persistent context).
// Returns a browser context: call newPage() on it and close() at the end.
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'herald-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      '--user-agent=Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 ' +
        '(KHTML, like Gecko) Chrome/120 Safari/537.36',
    ],
  });
}

// Calls the admin API; returns { status, body }.
export async function api(server, token, method, path, body) {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { json = null; }
  return { status: res.status, body: json, text };
}
