// Helpers for the admin app browser tests: a real bin/herald on a free
// port, workspaces and users made with the CLI, headless Chromium with an
// ordinary user agent, console watching and screenshots.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const artifacts = join(root, 'artifacts');
const bin = process.env.HERALD_BIN
  ? resolve(root, process.env.HERALD_BIN) : join(root, 'bin/herald');

export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) '
  + 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// Starts `herald serve` with the inherited environment and waits for its
// ready line.  Returns {url, port, log(), stop()}.
export async function startHerald(extraEnv = {}, { port: given } = {}) {
  const port = given || await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const proc = spawn(bin, ['serve'], {
    cwd: root,
    env: { ...process.env, HERALD_HOME: root,
      HERALD_LISTEN: `127.0.0.1:${port}`, HERALD_PUBLIC_URL: url,
      ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(
      `herald not ready in 15 s:\n${log}`)), 15000);
    const onData = (d) => {
      log += d;
      if (log.includes('herald ready')) {
        clearTimeout(timer);
        ok();
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`herald exited with ${code}:\n${log}`));
    });
  });
  await ready;
  return {
    url, port, proc,
    log: () => log,
    stop: () => new Promise((ok) => {
      if (proc.exitCode !== null) return ok();
      proc.once('exit', ok);
      proc.kill('SIGTERM');
    }),
  };
}

export function herald(args, input) {
  return execFileSync(bin, args, { cwd: root, input, encoding: 'utf8',
    env: { ...process.env, HERALD_HOME: root } });
}

let wsCount = 0;

// A fresh workspace: {id, slug, public_key, write_key, admin_token, ...}.
export function newWorkspace(name = 'Browser') {
  const slug = `b${process.pid}-${Date.now().toString(36)}-${wsCount++}`;
  return JSON.parse(herald(['workspace', 'create', '--name', name,
    '--slug', slug]));
}

export function addUser(ws, email, role, password) {
  herald(['user', 'add', '--workspace', ws.slug, '--email', email,
    '--role', role], password);
}

// Admin API call with the admin token.
export async function adminApi(srv, ws, method, path, body) {
  const res = await fetch(`${srv.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${ws.admin_token}`,
      'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

// A local HTTP receiver standing in for Slack (or any webhook): records
// every request's method, path, headers and exact body, answers 200 "ok".
// Returns {url, requests, close()}.
export async function startReceiver() {
  const requests = [];
  const server = createHttpServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method, path: req.url,
        headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/slack`,
    requests,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

export async function launch() {
  const dir = mkdtempSync(join(tmpdir(), 'herald-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    userAgent: USER_AGENT,
    viewport: { width: 1360, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      `--user-agent=${USER_AGENT}`],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Collects console errors, page errors and failed responses (with their
// URL, which the console message lacks).
export function watchConsole(page) {
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  return errors;
}

export async function shot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${name}.png`),
    fullPage: true });
}

// Waits until no request is in flight and the app shows no spinner.
export async function settled(page) {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => !document.querySelector('.loading'));
  await page.waitForTimeout(150);
}

// Signs in on the sign-in page; next is where to land (else the role's
// home page).
export async function signIn(page, srv, email, password, next) {
  await page.goto(`${srv.url}/admin/login${next
    ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/admin/login'));
  await settled(page);
}

const b64url = (s) => Buffer.from(s).toString('base64url');

// An HS256 identity token as a customer's backend would sign it.
export function signIdentity(secret, claims) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ iat: now, exp: now + 3600,
    ...claims }));
  const mac = createHmac('sha256', secret).update(`${head}.${body}`)
    .digest('base64url');
  return `${head}.${body}.${mac}`;
}

let eventSeq = 0;

// Sends widget events as the signed user; each event gets a fresh id.
export async function widgetEvents(srv, ws, token, events) {
  const res = await fetch(`${srv.url}/api/v1/widget/${ws.public_key}/events`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json',
        'User-Agent': USER_AGENT, Origin: srv.url },
      body: JSON.stringify({ token, events: events.map((e) => ({
        id: `t${process.pid}-${Date.now()}-${eventSeq++}`,
        ts: new Date().toISOString(), ...e })) }),
    });
  const text = await res.text();
  if (!res.ok) throw new Error(`widget events: ${res.status} ${text}`);
  return JSON.parse(text);
}

// A Segment-style track call with the write key.
export async function track(srv, ws, userId, event, properties) {
  const res = await fetch(`${srv.url}/v1/track`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json',
      Authorization: `Basic ${Buffer.from(`${ws.write_key}:`)
        .toString('base64')}` },
    body: JSON.stringify({ userId, event, properties,
      messageId: `m${process.pid}-${Date.now()}-${eventSeq++}` }),
  });
  if (!res.ok) throw new Error(`track: ${res.status} ${await res.text()}`);
}

// Polls fn until it returns a truthy value or ms pass.
export async function eventually(fn, ms, what) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((ok) => setTimeout(ok, 250));
  }
  throw new Error(`timed out waiting for ${what}: ${last}`);
}
