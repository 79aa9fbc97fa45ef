// Owner flows in the admin app: a destination with "send test", a new
// version of the scoring model, workspace settings, identity secret
// rotation with its overlap, API key rotation, and the leads filters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  root, startHerald, newWorkspace, addUser, launch, watchConsole, shot,
  settled, signIn, adminApi, signIdentity, widgetEvents, startReceiver,
  eventually,
} from './admin-lib.mjs';

let srv;
let browser;
let ws;
let page;
let errors;
const PW = 'correct horse battery';

before(async () => {
  srv = await startHerald();
  browser = await launch();
  ws = newWorkspace('Owner Flows');
  addUser(ws, `owner@${ws.slug}.test`, 'owner', PW);
  page = await browser.context.newPage();
  page.on('dialog', (d) => d.accept());
  errors = watchConsole(page);
  await signIn(page, srv, `owner@${ws.slug}.test`, PW, '/admin/settings');
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

const toast = (text) => page.locator('.toast', { hasText: text }).waitFor();

test('an owner adds a Slack destination and its test message arrives',
  async (t) => {
    const slack = await startReceiver();
    t.after(() => slack.close());
    await page.goto(`${srv.url}/admin/destinations`);
    await settled(page);
    await page.getByText('No destinations yet').waitFor();
    const form = page.locator('#dest-add');
    await form.getByLabel('Name').fill('Sales channel');
    await form.getByLabel('Kind').selectOption('slack');
    await form.getByLabel('URL').fill(slack.url);
    await form.getByRole('button', { name: 'Add destination' }).click();
    await toast('Destination added');
    const row = page.getByRole('row', { name: /Sales channel/ });
    await row.getByRole('button', { name: 'Send test' }).click();
    await toast('Test sent to Sales channel');
    const sent = await eventually(() => slack.requests[0], 10000,
      'the test message');
    assert.equal(sent.method, 'POST');
    assert.equal(sent.path, '/services/T000/B000/slack');
    assert.ok(JSON.parse(sent.body).text, `Slack text in ${sent.body}`);
    await shot(page, 'admin-owner-destinations');
    assert.deepEqual(errors, []);
  });

test('an owner saves a new version of the scoring model', async () => {
  const model = JSON.parse(readFileSync(join(root,
    'scripts/demo/scoring.json'), 'utf8'));
  let r = await adminApi(srv, ws, 'PUT', '/scoring', model);
  assert.equal(r.status, 200, r.text);
  const before_ = r.json.version;
  await page.goto(`${srv.url}/admin/scoring`);
  await settled(page);
  const editor = page.getByLabel('Scoring model JSON');
  const edited = JSON.parse(await editor.inputValue());
  edited.engagement.half_life_days = 21;
  await editor.fill(JSON.stringify(edited, null, 2));
  await page.getByRole('button', { name: 'Save new version' }).click();
  await toast(`Saved as version ${before_ + 1}`);
  r = await adminApi(srv, ws, 'GET', '/scoring');
  assert.equal(r.json.version, before_ + 1);
  assert.equal((r.json.model ?? r.json).engagement.half_life_days, 21);
  await shot(page, 'admin-owner-scoring-saved');
  assert.deepEqual(errors, []);
});

test('an owner changes the workspace time zone and allowed origins',
  async () => {
    await page.goto(`${srv.url}/admin/settings`);
    await settled(page);
    await page.getByLabel('Time zone').selectOption('Europe/Berlin');
    await page.getByLabel('Allowed origins').fill(
      'https://app.example.com\nhttps://beta.example.com');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await toast('Settings saved');
    const w = (await adminApi(srv, ws, 'GET', '/workspace')).json;
    assert.equal(w.timezone, 'Europe/Berlin');
    assert.deepEqual(w.allowed_origins, ['https://app.example.com',
      'https://beta.example.com']);
    await page.reload();
    await settled(page);
    assert.equal(await page.getByLabel('Time zone').inputValue(),
      'Europe/Berlin');
    // Put the origin of the tests back for the widget calls below.
    const r = await adminApi(srv, ws, 'PATCH', '/workspace',
      { allowed_origins: [srv.url] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(errors, []);
  });

test('rotating the identity secret keeps the old one valid for the overlap',
  async () => {
    await page.goto(`${srv.url}/admin/settings`);
    await settled(page);
    await page.getByRole('button', { name: 'Rotate identity secret' })
      .click();
    const box = page.locator('#identity');
    await box.getByText('New identity secret, shown once').waitFor();
    const fresh = (await box.locator('.secret').textContent()).trim()
      .split(/\s/)[0];
    assert.notEqual(fresh, ws.identity_secret);
    assert.match(await box.textContent(), /previous secret is accepted until/);
    await shot(page, 'admin-owner-identity-rotated');
    const who = { sub: 'rotation-check', name: 'Rita Check' };
    for (const secret of [ws.identity_secret, fresh]) {
      const r = await widgetEvents(srv, ws, signIdentity(secret, who),
        [{ type: 'widget_opened' }]);
      assert.equal(r.accepted, 1, `with ${secret.slice(0, 6)}…: ${
        JSON.stringify(r)}`);
    }
    await assert.rejects(widgetEvents(srv, ws,
      signIdentity('is_not_the_secret', who), [{ type: 'widget_opened' }]),
    /widget events: 4\d\d/);
    ws.identity_secret = fresh;
    assert.deepEqual(errors, []);
  });

test('rotating the write key stops the old key on this server at once',
  async () => {
    const send = (key) => fetch(`${srv.url}/v1/track`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json',
        Authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
      body: JSON.stringify({ userId: 'u1', event: 'signed_in' }),
    }).then((r) => r.status);
    assert.equal(await send(ws.write_key), 200);
    await page.goto(`${srv.url}/admin/settings`);
    await settled(page);
    await page.getByRole('button', { name: 'Rotate write key' }).click();
    const out = page.locator('#keys .notice', { hasText: 'New write key' });
    await out.waitFor();
    const fresh = (await out.locator('.secret').textContent()).trim()
      .split(/\s/)[0];
    assert.match(fresh, /^wk_/);
    assert.equal(await send(ws.write_key), 401);
    assert.equal(await send(fresh), 200);
    await shot(page, 'admin-owner-keys-rotated');
    assert.deepEqual(errors, []);
  });

test('the leads list filters by rule, fit and company size and sorts',
  async () => {
    const rel = (await adminApi(srv, ws, 'POST', '/releases', {
      title: 'Charts', body: 'Charts.', features: ['charts'],
      status: 'published' })).json.id;
    const reading = (clicks) => [{ type: 'release_viewed', release_id: rel },
      { type: 'release_shared', release_id: rel, channel: 'copy' },
      ...clicks.map((url) => ({ type: 'link_clicked', release_id: rel,
        url }))];
    // Alex fits best (100) and engages 12 (view 2, share 10); Lee fits
    // less (70: a small company) and engages 18 (two clicks more).  Both
    // pass engaged-icp (fit 60, engagement 10).
    const alex = { sub: 'alex', name: 'Alex Morgan', traits: { role: 'cto' },
      account: { id: 'acme', name: 'Acme Inc', traits: { employees: 200,
        industry: 'software', country: 'US' } } };
    const lee = { sub: 'lee', name: 'Lee Small', traits: { role: 'cto' },
      account: { id: 'tiny', name: 'Tiny LLC', traits: { employees: 8,
        industry: 'software', country: 'US' } } };
    for (const [who, clicks] of [[alex, []],
      [lee, ['https://a.test', 'https://b.test']]]) {
      const r = await widgetEvents(srv, ws,
        signIdentity(ws.identity_secret, who), reading(clicks));
      assert.deepEqual([r.accepted, r.rejected], [2 + clicks.length, []],
        JSON.stringify(r));
    }
    const names = async (query) => {
      await page.goto(`${srv.url}/admin/leads${query}`);
      await settled(page);
      return page.locator('tbody tr td:first-child a').allTextContents();
    };
    // Scoring runs in the background: wait until both qualify.
    await eventually(async () => (await names('?rule=engaged-icp')).length
      === 2, 30000, 'both people qualified by engaged-icp');
    assert.deepEqual(await names(''), ['Alex Morgan', 'Lee Small']);
    assert.deepEqual(await names('?min_employees=50'), ['Alex Morgan']);
    assert.deepEqual(await names('?min_fit=80'), ['Alex Morgan']);
    assert.deepEqual((await names('?rule=engaged-icp')).sort(),
      ['Alex Morgan', 'Lee Small']);
    assert.deepEqual(await names('?rule=returning'), []);
    assert.deepEqual(await names('?sort=engagement'),
      ['Lee Small', 'Alex Morgan']);

    await page.goto(`${srv.url}/admin/leads`);
    await settled(page);
    await page.getByRole('button', { name: /^Fit/ }).click();
    await page.waitForURL(/sort=fit/);
    await settled(page);
    assert.deepEqual(await page.locator('tbody tr td:first-child a')
      .allTextContents(), ['Alex Morgan', 'Lee Small']);
    await page.getByLabel('Minimum employees').fill('50');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/min_employees=50/);
    await settled(page);
    assert.deepEqual(await page.locator('tbody tr td:first-child a')
      .allTextContents(), ['Alex Morgan']);
    await shot(page, 'admin-owner-leads-filtered');
    assert.deepEqual(errors, []);
  });
