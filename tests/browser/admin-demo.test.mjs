// The demo of `make run`: after scripts/seed-demo.sh, reading a release on
// /demo and clicking "Try it" makes the demo user Alex a qualified lead
// and puts the Slack-style alert in the admin app's inbox within a minute.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  root, startHerald, freePort, launch, watchConsole, shot, settled, signIn,
  eventually,
} from './admin-lib.mjs';

let srv;
let browser;

before(async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  execFileSync(join(root, 'scripts/seed-demo.sh'), {
    cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, HERALD_HOME: root,
      HERALD_LISTEN: `127.0.0.1:${port}`, HERALD_PUBLIC_URL: url },
  });
  srv = await startHerald({}, { port });
  browser = await launch();
  await eraseAlex();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

// On a database used before, Alex may have qualified already (a rule
// fires on entering its state, not while he stays in it): erase him with
// the privacy API, so the demo starts from a new user as on a fresh
// install.
async function eraseAlex() {
  const id = execFileSync('psql', [process.env.HERALD_DATABASE_URL, '-XAtc',
    "SELECT p.id FROM persons p JOIN workspaces w ON w.id ="
    + " p.workspace_id WHERE w.slug = 'demo' AND p.external_id = 'alex'"],
  { encoding: 'utf8' }).trim();
  if (!id) return;
  const login = await fetch(`${srv.url}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'pm@demo.test',
      password: 'demo-pm-password' }) });
  assert.equal(login.status, 200, 'the seeded owner signs in');
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const { csrf_token: csrf } = await login.json();
  const r = await fetch(`${srv.url}/api/v1/people/${id}`, {
    method: 'DELETE', headers: { Cookie: cookie, 'X-CSRF-Token': csrf } });
  assert.ok(r.status < 300 || r.status === 404, `erase alex: ${r.status}`);
}

test('trying a feature on /demo makes Alex a lead with an alert in the inbox',
  async () => {
    const page = await browser.context.newPage();
    const errors = watchConsole(page);
    await signIn(page, srv, 'sales@demo.test', 'demo-sales-password');
    // A database used before may hold alerts about an earlier Alex.
    const alexAlerts = async () => {
      await page.goto(`${srv.url}/admin/inbox`);
      await settled(page);
      return page.locator('.slack', { hasText: 'Alex Morgan' }).count();
    };
    const earlier = await alexAlerts();

    const host = await browser.context.newPage();
    await host.goto(`${srv.url}/demo`);
    await host.click('herald-widget button.b');
    const card = host.locator('herald-widget article', {
      has: host.locator('button.y') }).first();
    await card.waitFor();
    await host.waitForTimeout(3000); // reading
    await card.locator('button.y').first().click();
    await shot(host, 'admin-demo-host-page');

    await eventually(async () => {
      await page.goto(`${srv.url}/admin/leads`);
      await settled(page);
      const first = await page.locator('tbody tr').first().textContent();
      return /Alex Morgan/.test(first) && /qualified/i.test(first);
    }, 60000, 'Alex to qualify in the leads');
    await shot(page, 'admin-demo-leads');
    await eventually(async () => await alexAlerts() === earlier + 1,
      60000, 'one new alert about Alex in the inbox');
    await shot(page, 'admin-demo-inbox');
    assert.deepEqual(errors, []);
    await host.close();
    await page.close();
  });
