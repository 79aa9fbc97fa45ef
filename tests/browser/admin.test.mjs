// Admin web app in a real browser: sign-in and cookie flags, CSRF
// refusal, role limits, pages screenshotted without console errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHerald, newWorkspace, addUser, launch, watchConsole, shot, settled,
  signIn, adminApi,
} from './admin-lib.mjs';

let srv;
let browser;
let ws;
const PW = 'correct horse battery';

before(async () => {
  srv = await startHerald();
  browser = await launch();
  ws = newWorkspace('Admin Browser');
  addUser(ws, `pm@${ws.slug}.test`, 'owner', PW);
  addUser(ws, `sales@${ws.slug}.test`, 'sales', PW);
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('sign-in sets a hardened session cookie and sign-out ends it',
  async () => {
    const page = await browser.context.newPage();
    const errors = watchConsole(page);
    await page.goto(`${srv.url}/admin/settings`);
    await page.waitForURL(/\/admin\/login\?next=/);
    await settled(page);
    await shot(page, 'admin-login');
    await page.getByLabel('Email').fill(`pm@${ws.slug}.test`);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('email or password is wrong').waitFor();
    errors.length = 0; // the refused sign-in is a 401 on purpose
    await page.getByLabel('Password').fill(PW);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${srv.url}/admin/settings`);
    await settled(page);
    await page.getByRole('heading', { name: 'Workspace' }).waitFor();
    assert.equal(await page.getByText(ws.public_key).count(), 1);
    await shot(page, 'admin-settings');

    const cookies = await browser.context.cookies(srv.url);
    const c = cookies.find((x) => x.name === 'herald_session');
    assert.ok(c, 'session cookie set');
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Lax');
    assert.equal(c.secure, false, 'plain http in tests');
    assert.equal(c.path, '/');
    assert.ok(c.expires > Date.now() / 1000 + 11 * 3600);
    assert.equal(await page.evaluate(() => document.cookie), '',
      'the page cannot read the session cookie');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/admin\/login/);
    const after_ = await browser.context.cookies(srv.url);
    assert.equal(after_.find((x) => x.name === 'herald_session'), undefined);
    assert.deepEqual(errors, []);
    await page.close();
  });

test('a change without the CSRF token is refused with 403', async () => {
  const page = await browser.context.newPage();
  await signIn(page, srv, `pm@${ws.slug}.test`, PW, '/admin/settings');
  const result = await page.evaluate(async () => {
    const send = (headers) => fetch('/api/v1/workspace', {
      method: 'PATCH', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ name: 'Admin Browser' }),
    }).then((r) => r.status);
    const s = await fetch('/api/v1/session').then((r) => r.json());
    return {
      none: await send({}),
      wrong: await send({ 'X-CSRF-Token': 'f'.repeat(64) }),
      right: await send({ 'X-CSRF-Token': s.csrf_token }),
    };
  });
  assert.deepEqual(result, { none: 403, wrong: 403, right: 200 });
  await page.close();
});

test('owner pages render without console errors', async () => {
  const page = await browser.context.newPage();
  const errors = watchConsole(page);
  await signIn(page, srv, `pm@${ws.slug}.test`, PW, '/admin/settings');
  for (const [path, heading] of [
    ['settings', 'Workspace'],
    ['releases', 'Releases'],
    ['releases/new', 'New release'],
    ['leads', 'Leads'],
    ['alerts', 'Alert log'],
    ['inbox', 'Inbox'],
    ['scoring', 'Scoring model'],
    ['destinations', 'Destinations'],
  ]) {
    await page.goto(`${srv.url}/admin/${path}`);
    await settled(page);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await shot(page, `admin-${path.replace('/', '-')}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('sales users see sales pages and are refused changes by the server',
  async () => {
    const page = await browser.context.newPage();
    const before_ = (await adminApi(srv, ws, 'GET', '/workspace')).json.name;
    await signIn(page, srv, `sales@${ws.slug}.test`, PW);
    assert.equal(new URL(page.url()).pathname, '/admin/leads');
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Leads' }).count(), 1);
    assert.equal(await nav.getByRole('link', { name: 'Workspace' }).count(),
      0);
    const status = await page.evaluate(async () => {
      const s = await fetch('/api/v1/session').then((r) => r.json());
      const h = { 'Content-Type': 'application/json',
        'X-CSRF-Token': s.csrf_token };
      const send = (method, path, body) => fetch(`/api/v1${path}`, {
        method, headers: h, body: JSON.stringify(body) }).then((r) => r.status);
      return {
        workspace: await send('PATCH', '/workspace', { name: 'x' }),
        scoring: await send('PUT', '/scoring', { rules: [] }),
        release: await send('POST', '/releases', { title: 'x', body: 'x' }),
      };
    });
    assert.deepEqual(status, { workspace: 403, scoring: 403, release: 403 });
    const r = await adminApi(srv, ws, 'GET', '/workspace');
    assert.equal(r.json.name, before_, 'nothing was changed');
    await page.close();
  });

test('a refused scoring model shows the error at its JSON path', async () => {
  const page = await browser.context.newPage();
  const errors = watchConsole(page);
  await signIn(page, srv, `pm@${ws.slug}.test`, PW, '/admin/scoring');
  const editor = page.getByLabel('Scoring model JSON');
  const model = JSON.parse(await editor.inputValue());
  model.rules[0].when = { fit: { gte: 'high' } };
  await editor.fill(JSON.stringify(model, null, 2));
  await page.getByRole('button', { name: 'Save new version' }).click();
  const box = page.locator('#model-error');
  await box.getByText(/rules\[0\]\.when/).waitFor();
  assert.match(await box.textContent(), /^Line \d+, rules\[0\]\.when/);
  assert.equal(await editor.getAttribute('aria-invalid'), 'true');
  const selected = await editor.evaluate((el) =>
    el.value.slice(el.selectionStart, el.selectionEnd));
  assert.match(selected, /high/, 'the wrong value is selected');
  await shot(page, 'admin-scoring-error');
  assert.deepEqual(errors.filter((e) => !/400/.test(e)), []);
  await page.close();
});

test('the app works from the keyboard', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${srv.url}/admin/login`);
  await settled(page);
  await page.keyboard.type(`pm@${ws.slug}.test`); // e-mail has focus
  await page.keyboard.press('Tab');
  await page.keyboard.type(PW);
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => !u.pathname.startsWith('/admin/login'));
  await page.goto(`${srv.url}/admin/settings`);
  await settled(page);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent),
    'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent),
    'Sign out');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() =>
    document.activeElement.getAttribute('aria-current')), 'page',
  'the current page is marked in the menu');
  await page.close();
});
