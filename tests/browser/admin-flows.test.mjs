// The admin app's main flows end to end: a product manager writes,
// previews, schedules and measures a release; a sales user finds Alex,
// opens his lead from the Slack alert, and may not change content.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  root, startHerald, newWorkspace, addUser, launch, watchConsole, shot,
  settled, signIn, adminApi, signIdentity, widgetEvents, track,
  eventually, startReceiver,
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
  async () => {
    const ws = newWorkspace('PM Flow');
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
    await track(srv, ws, 'alex', 'feature_used', { feature: 'charts' });
    await track(srv, ws, 'pat', 'feature_used', { feature: 'charts' });
    await track(srv, ws, 'kim', 'signed_in', {});
    const stats = (await adminApi(srv, ws, 'GET', `/releases/${id}/stats`))
      .json;
    assert.deepEqual(stats.read_time_ms, { total: 2300,
      median_per_reader: 1150 });
    assert.equal(stats.readers, 2);
    assert.deepEqual(stats.clicks, [{ url: 'https://docs.example.com/charts',
      count: 2 }]);
    assert.deepEqual(stats.shares, { linkedin: 1 });
    assert.deepEqual(stats.reactions, { '🎉': 1 });
    assert.deepEqual(stats.feature_adoption, [{ feature: 'charts',
      viewers_used: 1, viewers: 3, non_viewers_used: 1, non_viewers: 2 }]);
    const buckets = (await adminApi(srv, ws, 'GET',
      `/releases/${id}/read-time`)).json.buckets;
    assert.equal(buckets.reduce((a, b) => a + Number(b.readers ?? b.count),
      0), 2, JSON.stringify(buckets));

    await page.reload();
    await settled(page);
    const kpi = async (label) => (await page.locator('#kpis .kpi', {
      has: page.locator('.kpi-label', { hasText: label }) })
      .locator('.kpi-value').first().textContent()).trim();
    assert.equal(await kpi('Views'), '3');
    assert.equal(await kpi('Unique viewers'), '3');
    assert.equal(await kpi('Readers'), '2');
    assert.equal(await kpi('Median read time'), '1s');
    assert.equal(await kpi('Link clicks'), '2');
    const chart = (sel) => page.locator(`${sel} canvas`)
      .getAttribute('aria-label');
    assert.match(await chart('#views'), /3 in all/);
    assert.equal(await page.locator('#read-time canvas').count(), 1);
    assert.match(await chart('#clicks'),
      /https:\/\/docs\.example\.com\/charts 2/);
    assert.match(await chart('#shares'), /linkedin 1/);
    assert.match(await chart('#reactions'), /🎉 1/);
    assert.equal(await page.locator('#adoption canvas').count(), 1);
    const adoption = await page.locator('#adoption tbody tr').textContent();
    assert.match(adoption, /charts/);
    assert.match(adoption, /1 of 3 \(33%\)/);
    assert.match(adoption, /1 of 2 \(50%\)/);
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
  addUser(ws, `sales@${ws.slug}.test`, 'sales', PW);
  const model = JSON.parse(readFileSync(join(root,
    'scripts/demo/scoring.json'), 'utf8'));
  let r = await adminApi(srv, ws, 'PUT', '/scoring', model);
  assert.equal(r.status, 200, r.text);
  const slack = await startReceiver();
  t.after(() => slack.close());
  r = await adminApi(srv, ws, 'POST', '/destinations', { name: 'Sales Slack',
    kind: 'slack', url: slack.url, tags: ['sales'] });
  assert.ok(r.status < 300, r.text);
  const inbox = (await adminApi(srv, ws, 'GET', '/inbox/info')).json.url;
  r = await adminApi(srv, ws, 'POST', '/destinations', { name: 'Inbox',
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
  await track(srv, ws, 'alex', 'feature_used', { feature: 'charts' });

  const sent = await eventually(() => slack.requests.find((q) =>
    /Alex Morgan/.test(q.body)), 60000, 'the Slack alert about Alex');
  assert.equal(sent.method, 'POST');
  assert.match(sent.headers['content-type'], /^application\/json/);
  const text = JSON.stringify(JSON.parse(sent.body));
  assert.match(text, /Acme Inc/, 'the alert names the company');
  assert.match(text, /Charts/, 'the alert names the release read');
  const link = text.match(/https?:\/\/[^"|>\\]+\/admin\/leads\/\d+/);
  assert.ok(link, `a lead link in ${sent.body}`);
  assert.ok(link[0].startsWith(`${srv.url}/admin/leads/`), link[0]);
  const shown = await eventually(async () => {
    const m = (await adminApi(srv, ws, 'GET', '/inbox')).json;
    return Array.isArray(m) && m.length > 0 && m[0];
  }, 60000, 'the same alert in the inbox');
  assert.match(JSON.stringify(shown.payload), /Alex Morgan/);
  const page = await browser.context.newPage();
  const errors = watchConsole(page);
  await signIn(page, srv, `sales@${ws.slug}.test`, PW);
  assert.equal(new URL(page.url()).pathname, '/admin/leads');
  const first = page.locator('tbody tr').first();
  assert.match(await first.textContent(), /Alex Morgan/);
  assert.match(await first.textContent(), /qualified/i);
  assert.match(await first.textContent(), /Engaged and in ICP|engaged-icp/);
  await shot(page, 'admin-flow-leads');

  await page.goto(`${srv.url}/admin/inbox`);
  await settled(page);
  await shot(page, 'admin-inbox-alert');
  await page.goto(link[0]);
  await settled(page);
  await page.getByRole('heading', { level: 1, name: 'Alex Morgan' }).waitFor();
  const reasons = await page.locator('#reasons li').allTextContents();
  assert.ok(reasons.length >= 3, `reasons: ${reasons}`);
  assert.ok(reasons.some((x) => /release_shared/.test(x)), `${reasons}`);
  assert.ok(reasons.some((x) => /person\.role/.test(x)), `${reasons}`);
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
