// The admin app's main flows end to end: a product manager writes,
// previews, schedules and measures a release; a sales user finds Alex,
// opens his lead from the Slack alert, and may not change content.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  root, startHerald, newWorkspace, addUser, launch, watchConsole, shot,
  settled, signIn, adminApi, hasRoute, signIdentity, widgetEvents, track,
  eventually,
} from './admin-lib.mjs';

let srv;
let browser;
const PW = 'correct horse battery';

before(async () => {
  srv = await startHerald();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

// Skips the test unless every route it needs is on the server.
async function needs(t, ws, routes) {
  for (const [method, path] of routes) {
    if (!await hasRoute(srv, ws, path, method)) {
      t.skip(`${method} /api/v1${path} is not on this server yet`);
      return false;
    }
  }
  return true;
}

function localTime(date) {
  const off = date.getTimezoneOffset() * 60000;
  return new Date(date.getTime() - off).toISOString().slice(0, 19);
}

const ALEX = { sub: 'alex', name: 'Alex Morgan', email: 'alex@acme.test',
  traits: { role: 'cto' }, account: { id: 'acme', name: 'Acme Inc',
    traits: { employees: 200, industry: 'software', country: 'US' } } };
const JANE = { sub: 'jane', name: 'Jane Doe', email: 'jane@tiny.test',
  traits: { role: 'designer' }, account: { id: 'tiny', name: 'Tiny LLC',
    traits: { employees: 4, industry: 'retail', country: 'FR' } } };
const SAM = { sub: 'sam', name: 'Sam Lee', email: 'sam@acme.test' };

test('a product manager writes, previews, schedules and measures a release',
  async (t) => {
    const ws = newWorkspace('PM Flow');
    if (!await needs(t, ws, [['GET', '/releases'], ['POST', '/preview']])) {
      return;
    }
    addUser(ws, `pm@${ws.slug}.test`, 'owner', PW);
    const page = await browser.context.newPage();
    const errors = watchConsole(page);
    await signIn(page, srv, `pm@${ws.slug}.test`, PW);
    assert.equal(new URL(page.url()).pathname, '/admin/releases');
    await page.getByText('No releases yet').waitFor();
    await shot(page, 'admin-releases-empty');

    await page.getByRole('link', { name: '+ New release' }).click();
    await page.getByRole('heading', { name: 'New release' }).waitFor();
    await page.getByLabel('Title').fill('Charts for every dashboard');
    await page.getByLabel('Body (markdown)').fill([
      'Build **line, bar and area charts** from any saved query.', '',
      '## What is new', '', '- Drag a column onto the canvas',
      '- Share a chart with a link', '',
      'Read the [chart guide](https://docs.example.com/charts).', '',
      '| Plan | Charts |', '|---|---|', '| Free | 3 |', '| Pro | unlimited |',
    ].join('\n'));
    const preview = page.locator('#preview');
    await preview.locator('h2', { hasText: 'What is new' }).waitFor();
    assert.equal(await preview.locator('a[href="https://docs.example.com/'
      + 'charts"]').count(), 1);
    assert.equal(await preview.locator('table').count(), 1);
    await page.getByLabel('Labels').fill('new, dashboards');
    await page.getByLabel('Features introduced').fill('charts');
    await page.getByLabel('Publish at').fill(localTime(new Date(Date.now()
      + 3000)));
    await shot(page, 'admin-release-editor');
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.waitForURL(/\/admin\/releases\/[0-9a-f-]{36}$/);
    const id = new URL(page.url()).pathname.split('/').pop();
    await page.getByText('No analytics before publishing').waitFor();

    await eventually(async () => {
      await page.reload();
      await settled(page);
      return (await page.locator('.badge', { hasText: 'published' })
        .count()) > 0;
    }, 60000, 'the scheduler to publish the release');

    const traffic = [[ALEX, [{ type: 'widget_opened' },
      { type: 'release_viewed', release_id: id },
      { type: 'release_read', release_id: id, ms: 1500 },
      { type: 'link_clicked', release_id: id,
        url: 'https://docs.example.com/charts' },
      { type: 'release_shared', release_id: id, channel: 'linkedin' },
      { type: 'reaction', release_id: id, emoji: '🎉', on: true }]],
    [JANE, [{ type: 'release_viewed', release_id: id },
      { type: 'release_read', release_id: id, ms: 800 }]],
    [SAM, [{ type: 'release_viewed', release_id: id },
      { type: 'link_clicked', release_id: id,
        url: 'https://docs.example.com/charts' }]]];
    for (const [who, events] of traffic) {
      await widgetEvents(srv, ws, signIdentity(ws.identity_secret, who),
        events);
    }
    const stats = (await adminApi(srv, ws, 'GET', `/releases/${id}/stats`))
      .json;
    assert.equal(stats.views, 3);
    assert.equal(stats.unique_viewers, 3);

    await page.reload();
    await settled(page);
    const kpi = async (label) => (await page.locator('.kpi', {
      has: page.locator('.kpi-label', { hasText: label }) })
      .locator('.kpi-value').first().textContent()).trim();
    assert.equal(await kpi('Views'), '3');
    assert.equal(await kpi('Unique viewers'), '3');
    assert.equal(await kpi('Link clicks'), '2');
    assert.equal(await page.locator('#views canvas').count(), 1);
    assert.equal(await page.locator('#clicks canvas').count(), 1);
    assert.equal(await page.locator('#shares canvas').count(), 1);
    assert.equal(await page.locator('#reactions canvas').count(), 1);
    assert.equal(await page.locator('#read-time canvas').count(), 1);
    assert.equal(await page.locator('#adoption canvas').count(), 1);
    await page.waitForTimeout(300);
    await shot(page, 'admin-release-analytics');

    await page.goto(`${srv.url}/admin/releases`);
    await settled(page);
    const row = page.getByRole('row', { name: /Charts for every dashboard/ });
    await row.getByText('published').waitFor();
    await shot(page, 'admin-flow-releases');
    assert.deepEqual(errors, []);
    await page.close();
  });

test('a sales user sees Alex first, opens his lead from the Slack alert and '
  + 'may not change releases or scoring', async (t) => {
  const ws = newWorkspace('Sales Flow');
  if (!await needs(t, ws, [['GET', '/releases'], ['GET', '/leads'],
    ['GET', '/destinations'], ['GET', '/scoring']])) return;
  addUser(ws, `sales@${ws.slug}.test`, 'sales', PW);
  const model = JSON.parse(readFileSync(join(root,
    'scripts/demo/scoring.json'), 'utf8'));
  let r = await adminApi(srv, ws, 'PUT', '/scoring', model);
  assert.equal(r.status, 200, r.text);
  const inbox = (await adminApi(srv, ws, 'GET', '/inbox/info')).json.url;
  r = await adminApi(srv, ws, 'POST', '/destinations', { name: 'Sales Slack',
    kind: 'slack', url: inbox, tags: ['sales'] });
  assert.ok(r.status < 300, r.text);
  r = await adminApi(srv, ws, 'POST', '/releases', { title: 'Charts',
    body: 'Charts for every dashboard.', features: ['charts'] });
  assert.ok(r.status < 300, r.text);
  const rel = r.json.id;
  r = await adminApi(srv, ws, 'POST', `/releases/${rel}/publish`, {});
  assert.ok(r.status < 300, r.text);

  const alex = signIdentity(ws.identity_secret, ALEX);
  await widgetEvents(srv, ws, alex, [{ type: 'widget_opened' },
    { type: 'release_viewed', release_id: rel },
    { type: 'release_read', release_id: rel, ms: 2000 },
    { type: 'link_clicked', release_id: rel, url: 'https://docs.example.com' },
    { type: 'release_shared', release_id: rel, channel: 'linkedin' },
    { type: 'feature_cta', release_id: rel, feature: 'charts' }]);
  await widgetEvents(srv, ws, signIdentity(ws.identity_secret, JANE),
    [{ type: 'release_viewed', release_id: rel }]);
  try {
    await track(srv, ws, 'alex', 'feature_used', { feature: 'charts' });
  } catch {
    // Without the Segment API, the widget's feature_cta carries Alex.
  }

  const message = await eventually(async () => {
    const m = (await adminApi(srv, ws, 'GET', '/inbox')).json;
    return Array.isArray(m) && m.length > 0 && m[0];
  }, 60000, 'the Slack alert in the inbox');
  const link = JSON.stringify(message.payload)
    .match(/https?:\/\/[^"|>\\]+\/admin\/leads\/\d+/);
  assert.ok(link, `a lead link in ${JSON.stringify(message.payload)}`);

  const page = await browser.context.newPage();
  const errors = watchConsole(page);
  await signIn(page, srv, `sales@${ws.slug}.test`, PW);
  assert.equal(new URL(page.url()).pathname, '/admin/leads');
  const first = page.locator('tbody tr').first();
  assert.match(await first.textContent(), /Alex Morgan/);
  assert.match(await first.textContent(), /qualified/i);
  await shot(page, 'admin-flow-leads');

  await page.goto(`${srv.url}/admin/inbox`);
  await settled(page);
  await shot(page, 'admin-inbox-alert');
  await page.goto(link[0]);
  await settled(page);
  await page.getByRole('heading', { level: 1, name: 'Alex Morgan' }).waitFor();
  assert.ok(await page.locator('#reasons li').count() > 0, 'reasons shown');
  assert.match(await page.locator('#releases-read').textContent(), /Charts/);
  await shot(page, 'admin-lead');
  await page.goto(`${srv.url}/admin/alerts`);
  await settled(page);
  assert.match(await page.locator('tbody').textContent(), /Alex Morgan/);
  await shot(page, 'admin-flow-alerts');
  assert.deepEqual(errors, []);

  const refused = await page.evaluate(async (id) => {
    const s = await fetch('/api/v1/session').then((x) => x.json());
    const h = { 'Content-Type': 'application/json',
      'X-CSRF-Token': s.csrf_token };
    const send = (method, path, body) => fetch(`/api/v1${path}`, {
      method, headers: h, body: JSON.stringify(body) }).then((x) => x.status);
    return {
      release: await send('PATCH', `/releases/${id}`, { title: 'Changed' }),
      scoring: await send('PUT', '/scoring', { rules: [] }),
    };
  }, rel);
  assert.deepEqual(refused, { release: 403, scoring: 403 });
  await page.close();
});
