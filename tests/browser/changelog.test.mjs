// Herald browser test - the public changelog in headless Chromium: no
// console errors, no CSP violations, nothing from C-30 runs, dark mode,
// landmarks; saves artifacts/changelog.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { api, launchBrowser, root, startServer, workspace } from './lib.mjs';

const C30_TITLE = '</title><script>alert(1)</script>';
const C30_BODY = [
  '[docs](javascript:alert(document.domain))',
  '<img src=x onerror=alert(1)>',
  '[x](JaVaScRiPt&#58;alert(1))',
  '![a](data:text/html;base64,PHNjcmlwdD4=)',
].join('\n\n');

const BODY = [
  'Charts arrive in **every dashboard**. Read the [guide]' +
    '(https://example.com/guide).',
  '',
  '| Chart | Plan |',
  '|---|---|',
  '| Line | Free |',
  '| Heatmap | Pro |',
  '',
  '- [x] Export to PNG',
  '- [ ] Export to SVG',
  '',
  '```',
  'herald.track("chart_opened")',
  '```',
].join('\n');

let server;
let ws;
let browser;

async function publish(release) {
  const made = await api(server, ws.admin_token, 'POST', '/api/v1/releases',
    { status: 'published', ...release });
  assert.equal(made.status, 201, made.text);
  return made.body;
}

before(async () => {
  server = await startServer();
  ws = workspace('Acme Analytics');
  await publish({ title: 'Faster exports', body: 'Exports are *2x* faster.',
    labels: ['improved'] });
  await publish({ title: C30_TITLE, body: C30_BODY, labels: ['security'] });
  await publish({ title: 'Charts for every dashboard', body: BODY,
    labels: ['new', 'charts'], features: ['charts'] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Opens url and records console errors, page errors, dialogs and CSP
// violations (listened for by a script the page's CSP cannot block).
async function open(url, scheme = 'light', status = 200) {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') {
      problems.push(`console ${m.type()}: ${m.text()} at ` +
        m.location().url);
    }
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    d.dismiss();
  });
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.emulateMedia({ colorScheme: scheme });
  const res = await page.goto(url, { waitUntil: 'load' });
  assert.equal(res.status(), status);
  const csp = await page.evaluate(() => window.__csp);
  return { page, problems: problems.concat(csp.map((v) => `csp: ${v}`)) };
}

test('the changelog opens with no console errors or CSP violations',
  async () => {
    const { page, problems } = await open(`${server.url}/c/${ws.slug}`);
    assert.deepEqual(problems, []);
    assert.equal(await page.title(), 'Acme Analytics changelog');
    assert.equal(await page.locator('article.release').count(), 3);
    assert.equal(await page.locator('header.site').count(), 1);
    assert.equal(await page.locator('main#main h1').count(), 1);
    assert.equal(await page.locator('footer.site').count(), 1);
    assert.equal(await page.locator('.chip').count(), 4);
    const font = await page.evaluate(
      () => getComputedStyle(document.body).fontFamily);
    assert.match(font, /system-ui/);
    const first = await page.locator('article h2').first().innerText();
    assert.equal(first, 'Charts for every dashboard');
    mkdirSync(join(root, 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, 'artifacts/changelog.png'),
      fullPage: true });
    await page.close();
  });

test('C-30 release shows its title as text and runs nothing', async () => {
  const { page, problems } = await open(`${server.url}/c/${ws.slug}`);
  assert.deepEqual(problems, []);
  assert.equal(await page.locator('article h2', { hasText: C30_TITLE })
    .count(), 1);
  assert.equal(await page.locator('a[href^="javascript" i]').count(), 0);
  assert.equal(await page.locator('.body img').count(), 0);
  assert.equal(await page.locator('.body script').count(), 0);
  const links = await page.locator('.body a').evaluateAll(
    (as) => as.map((a) => [a.protocol, a.rel]));
  for (const [protocol, rel] of links) {
    assert.ok(['http:', 'https:', 'mailto:'].includes(protocol), protocol);
    assert.equal(rel, 'noopener nofollow');
  }
  await page.close();
});

test('release page works in dark mode with no errors', async () => {
  const { page, problems } = await open(
    `${server.url}/c/${ws.slug}/charts-for-every-dashboard`, 'dark');
  assert.deepEqual(problems, []);
  assert.equal(await page.locator('h1').innerText(),
    'Charts for every dashboard');
  assert.equal(await page.locator('table').count(), 1);
  const bg = await page.evaluate(
    () => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(17, 17, 22)');
  const og = await page.locator('meta[property="og:url"]')
    .getAttribute('content');
  assert.equal(og, `${server.url}/c/${ws.slug}/charts-for-every-dashboard`);
  await page.close();
});

test('an unknown page is a styled 404 with a link back to the changelog',
  async () => {
    const url = `${server.url}/c/${ws.slug}/nope`;
    const { page, problems } = await open(url, 'light', 404);
    // Chromium reports the document's own 404 status; nothing else may
    // fail (style sheet, icon).
    const own = 'console error: Failed to load resource: the server ' +
      `responded with a status of 404 (Not Found) at ${url}`;
    assert.deepEqual(problems.filter((p) => p !== own), []);
    assert.equal(await page.title(), 'Not found - Acme Analytics changelog');
    assert.equal(await page.locator('header.site').count(), 1);
    assert.equal(await page.locator('main#main h1').innerText(),
      'Page not found');
    const back = page.locator('main a', { hasText: 'All releases' });
    assert.equal(await back.getAttribute('href'),
      `${server.url}/c/${ws.slug}`);
    const font = await page.evaluate(
      () => getComputedStyle(document.body).fontFamily);
    assert.match(font, /system-ui/);
    await back.click();
    await page.waitForURL(`${server.url}/c/${ws.slug}`);
    assert.equal(await page.locator('article.release').count(), 3);
    await page.close();
  });

test('the site icon answers /favicon.ico', async () => {
  const res = await fetch(`${server.url}/favicon.ico`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/svg+xml');
  assert.match(await res.text(), /^<svg /);
});
