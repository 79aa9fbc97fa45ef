// Helpers for Herald's browser tests: the real server on a free port, a
// workspace made with the herald command, SQL through psql, a host page
// server on another origin, and headless Chromium with an ordinary user
// agent (a HeadlessChrome one would be counted as a robot, C-07).
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const artifacts = join(root, 'artifacts');
const bin = process.env.HERALD_BIN
  ? resolve(root, process.env.HERALD_BIN) : join(root, 'bin/herald');
export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) ' +
  'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

/** Starts bin/herald serve; resolves once it logs "herald ready". */
export async function startServer(env = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ['serve'], {
    cwd: root,
    env: { HERALD_HOME: root, ...process.env, HERALD_LISTEN:
      `127.0.0.1:${port}`, HERALD_PUBLIC_URL: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let log = '';
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('herald not ready in ' +
      '15 s:\n' + log)), 15000);
    const seen = (d) => {
      log += d;
      if (log.includes('herald ready')) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code) => fail(new Error(`herald exited ${code}:\n` +
      log)));
  });
  return {
    url,
    log: () => log,
    stop: () => new Promise((ok) => {
      if (child.exitCode !== null) return ok();
      child.on('exit', ok);
      child.kill('SIGTERM');
    })
  };
}

/** Runs SQL on the test database; returns rows as arrays of text. */
export function sql(query) {
  const out = execFileSync('psql', [process.env.HERALD_DATABASE_URL,
    '-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1',
    '-c', query], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/** One value of a query (first column of the first row), or null. */
export function sqlValue(query) {
  const rows = sql(query);
  return rows.length ? rows[0][0] : null;
}

let seq = 0;
/** Creates a workspace; returns its JSON (id, public_key, ...). */
export function workspace(name = 'Browser') {
  const slug = `b${process.pid}-${seq++}-${Date.now() % 1e8}`;
  const out = execFileSync(bin, ['workspace', 'create', '--name', name,
    '--slug', slug], { cwd: root, encoding: 'utf8',
    env: { HERALD_HOME: root, ...process.env } });
  return JSON.parse(out.trim().split('\n').pop());
}

const quote = (s) => "'" + String(s).replace(/'/g, "''") + "'";

/** Inserts a published release; returns its id. */
export function release(ws, { slug, title, html, features = [],
  labels = ['new'], minutesAgo = 1 }) {
  const arr = (a) => 'ARRAY[' + a.map(quote).join(',') + ']::text[]';
  return sqlValue(`INSERT INTO releases (workspace_id, slug, title,
    body_md, body_html, status, published_at, features, labels)
    VALUES (${Number(ws.id)}, ${quote(slug)}, ${quote(title)}, '',
    ${quote(html)}, 'published', now() - interval '${Number(minutesAgo)}
    minutes', ${arr(features)}, ${arr(labels)}) RETURNING id`);
}

const b64url = (s) => Buffer.from(s).toString('base64url');

/** An HS256 identity token as a customer's backend would sign it. */
export function sign(secret, claims) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ iat: now, exp: now + 3600,
    ...claims }));
  const mac = createHmac('sha256', secret).update(head + '.' + body)
    .digest('base64url');
  return `${head}.${body}.${mac}`;
}

/** The HTML of a host page embedding the widget of server srv. */
export function hostPage(srv, ws, { token, config = {}, css = '' } = {}) {
  const ident = token ? `herald('identify', { token: ${JSON.stringify(
    token)} });` : '';
  return `<!doctype html><html><head><meta charset="utf-8">
<title>Host app</title><style>${css}</style></head><body>
<h1>Host app</h1><p>Some content of the customer's application.</p>
<script>window.heraldConfig = ${JSON.stringify(config)};
window.herald = window.herald || function () {
  (herald.q = herald.q || []).push(arguments); };
${ident}</script>
<script async src="${srv.url}/widget.js" data-key="${ws.public_key}">
</script></body></html>`;
}

/** Serves pages (path -> HTML) on another origin than Herald. */
export async function hostServer(pages) {
  const s = createServer((req, res) => {
    const html = pages[req.url.split('?')[0]];
    res.writeHead(html ? 200 : 404, { 'Content-Type':
      'text/html; charset=utf-8' });
    res.end(html || 'not found');
  });
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${s.address().port}`,
    pages,
    stop: () => new Promise((ok) => s.close(ok))
  };
}

/** Headless Chromium (Debian's) with a fresh profile. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      `--user-agent=${USER_AGENT}`]
  });
}

/** Saves a screenshot as artifacts/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, name + '.png') });
}

/** Polls fn until it returns a truthy value or timeout ms pass. */
export async function until(fn, timeout = 10000, what = 'condition') {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

/** Calls the admin API with a bearer token; resolves to
 * { status, body (parsed JSON or null), text }. */
export async function api(server, token, method, path, body) {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`,
      'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { json = null; }
  return { status: res.status, body: json, text };
}
