// The widget in headless Chromium against the real server and
// PostgreSQL: unread count, attentive reading, a hidden tab and a blurred
// window, engagement events, mark all read across devices, hostile host
// CSS, delivery on close.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  hostPage, hostServer, launchBrowser, release, root, screenshot, sign, sql,
  sqlValue, startServer, until, workspace
} from './lib.mjs';

let srv;
let host;
let browser;
const FAST = { flushMs: 300, reportMs: 1000, idleMs: 120000 };

before(async () => {
  srv = await startServer();
  host = await hostServer({});
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
  await srv?.stop();
});

/** A workspace with three published releases (newest first in ids). */
function setup() {
  const ws = workspace();
  const ids = [
    release(ws, { slug: 'charts', title: 'Charts for every dashboard',
      html: '<p>New <a href="https://docs.example.com/charts">chart ' +
        'types</a> are here.</p>', features: ['charts'], minutesAgo: 1 }),
    release(ws, { slug: 'export', title: 'Export to CSV',
      html: '<p>Download any table.</p>', minutesAgo: 60 }),
    release(ws, { slug: 'sso', title: 'Single sign-on',
      html: '<p>SAML for teams.</p>', minutesAgo: 120 })
  ];
  return { ws, ids };
}

let pageSeq = 0;
/** Serves a host page embedding the widget; returns its URL. */
function page(ws, opts) {
  const path = `/app${pageSeq++}.html`;
  host.pages[path] = hostPage(srv, ws, opts);
  return host.url + path;
}

const W = 'herald-widget';

async function openApp(ctx, url) {
  const p = await ctx.newPage();
  await p.route('https://docs.example.com/**', (r) => r.abort());
  const loaded = p.waitForResponse((r) => r.url().includes('/releases'));
  await p.goto(url);
  await loaded;
  await p.locator(`${W} button.b`).waitFor();
  return p;
}

function badge(p) {
  return p.evaluate(() => {
    const b = document.querySelector('herald-widget').shadowRoot
      .querySelector('.n');
    return b.hidden ? 0 : Number(b.textContent);
  });
}

function person(ws, sub) {
  return `(SELECT id FROM persons WHERE workspace_id = ${ws.id}
    AND external_id = '${sub}')`;
}

function readMs(ws, sub, rel) {
  return Number(sqlValue(`SELECT coalesce(sum((props->>'ms')::bigint), 0)
    FROM events WHERE workspace_id = ${ws.id} AND type = 'release_read'
    AND release_id = '${rel}' AND person_id = ${person(ws, sub)}`));
}

function count(ws, sub, type) {
  return Number(sqlValue(`SELECT count(*) FROM events WHERE
    workspace_id = ${ws.id} AND type = '${type}'
    AND person_id = ${person(ws, sub)}`));
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

test('unread count shows every release; 5 s in view is one view and 5 s ' +
  'of reading', async () => {
  const { ws, ids } = setup();
  const token = sign(ws.identity_secret, { sub: 'alex', name: 'Alex' });
  const ctx = await browser.newContext();
  const p = await openApp(ctx, page(ws, { token, config: FAST }));
  await until(async () => (await badge(p)) === 3, 5000, 'badge 3');
  await p.click(`${W} button.b`);
  await sleep(5000);
  await screenshot(p, 'widget-panel-open');
  await p.click(`${W} button.x`);
  await until(() => readMs(ws, 'alex', ids[0]) >= 4000, 5000, 'read');
  await sleep(800); // any late report would show up now
  const ms = readMs(ws, 'alex', ids[0]);
  assert.ok(ms >= 4000 && ms <= 6000, `read ${ms} ms`);
  assert.equal(Number(sqlValue(`SELECT count(*) FROM events WHERE
    workspace_id = ${ws.id} AND type = 'release_viewed'
    AND release_id = '${ids[0]}'`)), 1);
  assert.equal(await badge(p), 0);
  await ctx.close();
});

/** Reads 2 s, spends `away` somewhere else, reads 2 s more; returns the
 * stored read time. */
async function readAround(ws, ids, sub, away) {
  const token = sign(ws.identity_secret, { sub });
  const ctx = await browser.newContext();
  const p = await openApp(ctx, page(ws, { token, config: FAST }));
  await p.click(`${W} button.b`);
  await sleep(2000);
  const back = await away(ctx, p);
  await sleep(60000); // a minute away; heartbeats (reportMs 1 s) keep going
  await back();
  await p.evaluate(() => window.dispatchEvent(new Event('pointermove')));
  await sleep(2000);
  await p.click(`${W} button.x`);
  await until(() => readMs(ws, sub, ids[0]) >= 3000, 5000, `${sub} read`);
  await sleep(800);
  const ms = readMs(ws, sub, ids[0]);
  await ctx.close();
  return ms;
}

/* Real focus moves to another window of the same browser. */
async function blurred(ctx, p) {
  const cdp = await ctx.newCDPSession(p);
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
  await p.bringToFront();
  const other = await ctx.newPage();
  await other.bringToFront();
  assert.equal(await p.evaluate(() => document.hasFocus()), false);
  return () => p.bringToFront();
}

/* Headless Chromium keeps every tab visible whatever happens to its
 * window, so the tab tells the page what a browser tells it when the user
 * switches tabs: visibilityState 'hidden' and a visibilitychange event. */
function setHidden(p, hidden) {
  return p.evaluate((h) => {
    Object.defineProperty(document, 'visibilityState',
      { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden',
      { configurable: true, get: () => h });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

async function hiddenTab(ctx, p) {
  await setHidden(p, true);
  return () => setHidden(p, false);
}

/* C-03: visible at 0, blurred at 3 s, focused again at 63 s, hidden at
 * 64 s, heartbeats every 15 s throughout: 4 s of reading, not 64. */
async function caseC03(ws, ids) {
  const token = sign(ws.identity_secret, { sub: 'cy' });
  const ctx = await browser.newContext();
  const p = await openApp(ctx, page(ws, { token,
    config: { flushMs: 300, reportMs: 15000, idleMs: 120000 } }));
  await p.click(`${W} button.b`);
  await sleep(3000);
  const back = await blurred(ctx, p);
  await sleep(60000);
  await back();
  await p.evaluate(() => window.dispatchEvent(new Event('pointermove')));
  await sleep(1000);
  await setHidden(p, true);
  await until(() => readMs(ws, 'cy', ids[0]) >= 3000, 5000, 'cy read');
  await sleep(2000);
  const ms = readMs(ws, 'cy', ids[0]);
  await ctx.close();
  return ms;
}

test('a minute with the tab hidden, or the window blurred, in the middle ' +
  'of reading adds nothing (C-03)', async () => {
  const { ws, ids } = setup();
  const [blur, hide, c03] = await Promise.all([
    readAround(ws, ids, 'bea', blurred),
    readAround(ws, ids, 'hal', hiddenTab),
    caseC03(ws, ids)
  ]);
  console.log(`read time: blurred ${blur} ms, hidden ${hide} ms, ` +
    `C-03 ${c03} ms`);
  assert.ok(c03 >= 3000 && c03 <= 5000,
    `C-03: read ${c03} ms, expected 4 s`);
  assert.ok(blur >= 3000 && blur <= 5500,
    `blurred: read ${blur} ms, expected about 4 s`);
  assert.ok(hide >= 3000 && hide <= 5500,
    `hidden: read ${hide} ms, expected about 4 s`);
});

test('link, reaction, share and Try it are each stored once with details',
  async () => {
    const { ws, ids } = setup();
    const token = sign(ws.identity_secret, { sub: 'cid' });
    const ctx = await browser.newContext();
    const p = await openApp(ctx, page(ws, { token, config: FAST }));
    await p.click(`${W} button.b`);
    const card = p.locator(`${W} article`).first();
    await card.locator('button.e').first().click();
    await card.locator('button.y').click();
    await card.locator('.s button').click();
    await card.locator('.r a').click({ modifiers: [] });
    await until(() => count(ws, 'cid', 'link_clicked') === 1 &&
      count(ws, 'cid', 'reaction') === 1 &&
      count(ws, 'cid', 'release_shared') === 1 &&
      count(ws, 'cid', 'feature_cta') === 1, 8000, 'four events');
    await sleep(1000);
    const rows = sql(`SELECT type, props::text FROM events WHERE
      workspace_id = ${ws.id} AND type IN ('link_clicked', 'reaction',
      'release_shared', 'feature_cta') AND release_id = '${ids[0]}'
      ORDER BY type`);
    assert.deepEqual(rows, [
      ['feature_cta', '{"feature": "charts"}'],
      ['link_clicked', '{"url": "https://docs.example.com/charts"}'],
      ['reaction', '{"on": true, "emoji": "🎉"}'],
      ['release_shared', '{"channel": "copy"}']
    ]);
    assert.equal(sqlValue(`SELECT count(*) FROM release_reactions WHERE
      workspace_id = ${ws.id}`), '1');
    await ctx.close();
  });

test('after mark all read, unread is 0 after a reload and on another ' +
  'device', async () => {
  const { ws } = setup();
  const token = sign(ws.identity_secret, { sub: 'dee' });
  const url = page(ws, { token, config: FAST });
  const ctx = await browser.newContext();
  let p = await openApp(ctx, url);
  await until(async () => (await badge(p)) === 3, 5000, 'badge 3');
  await p.click(`${W} button.b`);
  await p.click(`${W} button.m`);
  await until(() => count(ws, 'dee', 'releases_marked_read') === 1, 5000,
    'marked read');
  await p.close();
  p = await openApp(ctx, url);
  await sleep(300);
  assert.equal(await badge(p), 0);
  const phone = await browser.newContext();
  const q = await openApp(phone, url);
  await sleep(300);
  assert.equal(await badge(q), 0);
  await phone.close();
  await ctx.close();
});

const STYLE_PROPS = ['font-size', 'font-family', 'font-weight', 'color',
  'background-color', 'width', 'height', 'padding-top', 'display',
  'position', 'border-top-width', 'line-height'];

function widgetStyles(p, props) {
  return p.evaluate((props) => {
    const root = document.querySelector('herald-widget').shadowRoot;
    const out = {};
    for (const sel of ['button.b', '.p', 'h2', 'button.m', 'article',
      'article h3', 'button.y', 'button.e']) {
      const el = root.querySelector(sel);
      const cs = getComputedStyle(el);
      out[sel] = props.map((k) => cs.getPropertyValue(k));
    }
    return out;
  }, props);
}

test('hostile host CSS does not change the widget\'s computed styles',
  async () => {
    const { ws } = setup();
    const token = sign(ws.identity_secret, { sub: 'eve' });
    const ctx = await browser.newContext();
    const clean = await openApp(ctx, page(ws, { token, config: FAST }));
    const hostile = await openApp(ctx, page(ws, { token, config: FAST,
      css: '* { all: unset !important; font-size: 48px !important; ' +
        'font-family: "Comic Sans MS", cursive !important; ' +
        'color: red !important; line-height: 5 !important } ' +
        'html { font-size: 40px !important }' }));
    for (const p of [clean, hostile]) await p.click(`${W} button.b`);
    await screenshot(hostile, 'widget-hostile-css');
    assert.deepEqual(await widgetStyles(hostile, STYLE_PROPS),
      await widgetStyles(clean, STYLE_PROPS));
    await ctx.close();
  });

test('closing the page right after reading still delivers the last ' +
  'increment', async () => {
  const { ws, ids } = setup();
  const token = sign(ws.identity_secret, { sub: 'fay' });
  const ctx = await browser.newContext();
  const p = await openApp(ctx, page(ws, { token,
    config: { flushMs: 60000, reportMs: 60000, idleMs: 120000 } }));
  await p.click(`${W} button.b`);
  await sleep(3000);
  await p.close({ runBeforeUnload: true });
  await until(() => readMs(ws, 'fay', ids[0]) > 0, 8000, 'beacon');
  const ms = readMs(ws, 'fay', ids[0]);
  assert.ok(ms >= 2500 && ms <= 4000, `read ${ms} ms`);
  await ctx.close();
});

test('the demo page shows the signed demo user the seeded releases',
  async () => {
    execFileSync(join(root, 'scripts/seed-demo.sh'), { cwd: root,
      env: { ...process.env, HERALD_PUBLIC_URL: srv.url } });
    for (const t of ['release_reads', 'release_read_marks']) {
      sql(`DELETE FROM ${t} WHERE workspace_id =
        (SELECT id FROM workspaces WHERE slug = 'demo')`);
    }
    const ctx = await browser.newContext();
    const errors = [];
    ctx.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    ctx.on('requestfailed', (r) => errors.push(`failed: ${r.url()}`));
    const p = await openApp(ctx, srv.url + '/demo');
    await until(async () => (await badge(p)) >= 3, 5000, 'demo badge');
    assert.equal(await p.locator('link[rel="icon"]').getAttribute('href'),
      '/favicon.svg');
    const icon = await p.request.get(srv.url + '/favicon.ico');
    assert.equal(icon.status(), 200);
    await p.click(`${W} button.b`);
    await screenshot(p, 'demo-page');
    assert.ok(Number(sqlValue(`SELECT count(*) FROM persons p JOIN
      workspaces w ON w.id = p.workspace_id WHERE w.slug = 'demo'
      AND p.external_id = 'alex' AND p.account_id IS NOT NULL`)) === 1);
    assert.deepEqual(errors, []);
    await ctx.close();
  });
