// The example site (samtykke-site, SPEC §15) in Debian's headless Chromium, driven
// as a visitor would: what the browser's cookie jar holds after each step, and
// whether the site's own consent log audits clean.
//
// Run by scripts/test-site, which builds the binaries and installs Chromium and
// playwright-core first. Environment: SAMTYKKE_SITE, SAMTYKKE_CLI (the binaries),
// SAMTYKKE_ARTIFACTS (where screenshots and the log land), CHROMIUM (default
// /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const site = process.env.SAMTYKKE_SITE ?? join(root, 'target/debug/samtykke-site');
const cli = process.env.SAMTYKKE_CLI ?? join(root, 'target/debug/samtykke');
const artifacts = process.env.SAMTYKKE_ARTIFACTS ?? join(root, 'target/browser');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

// The kk.dk policy with a GPC rule, so that Sec-GPC: 1 has something to refuse.
const GPC_REFUSES = ['statistics'];
const policyPath = join(artifacts, 'policy.json');
const logPath = join(artifacts, 'consent.jsonl');
const proofsPath = join(artifacts, 'consent.proofs.jsonl');
const keyPath = join(artifacts, 'site.key');

let server;
let browser;
let base;
const DAY = 86400;

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

async function waitFor(url) {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`the site did not answer at ${url}`);
}

before(async () => {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const policy = JSON.parse(readFileSync(join(root, 'examples/kk.dk.policy.json'), 'utf8'));
  policy.gpc_refuses = GPC_REFUSES;
  // Storage other than cookies, so the page's clearing script has work to do:
  // statistics keeps a local-storage key (a pattern), a session-storage key and
  // an IndexedDB database (a pattern).
  for (const [kind, name] of [['local_storage', 'siteimprove_*'], ['session_storage', 'nmstat.session'],
    ['indexed_db', 'siteimprove-db-*']]) {
    policy.storage.push({
      name, kind, provider: 'siteimprove', category: 'statistics',
      purpose: { en: 'Statistics of visits', da: 'Statistik over besøg' },
      duration: kind === 'local_storage' ? { days: 30 } : 'session',
    });
  }
  writeFileSync(policyPath, JSON.stringify(policy, null, 2));
  writeFileSync(keyPath, 'a site key for the browser test, 32 bytes and more');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(site, ['--addr', `127.0.0.1:${port}`, '--policy', policyPath,
    '--log', logPath, '--proofs', proofsPath, '--key-file', keyPath], { stdio: ['ignore', 'inherit', 'inherit'] });
  await waitFor(base + '/cookies');
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGINT');
});

// Each visitor is a fresh browser context, a Danish one (Accept-Language: da-DK): an
// empty jar and fresh storage. (Playwright starts Chromium on a fresh temporary
// --user-data-dir; each context is an isolated, incognito-like profile in it.)
async function visitor(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, locale: 'da-DK', ...options });
  const page = await context.newPage();
  return { context, page };
}

async function jar(context) {
  return Object.fromEntries((await context.cookies()).map((c) => [c.name, c]));
}

const names = async (context) => Object.keys(await jar(context)).sort();
const banner = (page) => page.locator('section.samtykke-banner');

test('first visit: the banner, only necessary cookies in the jar', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  const got = await names(context);
  assert.equal(got.length, 1, `only the session cookie: ${got}`);
  assert.match(got[0], /^SESS[0-9a-f]{32}$/);
  assert.ok(await banner(page).isVisible());
  // Accept all, Reject all and Settings: equally prominent.
  const buttons = banner(page).locator('.samtykke-buttons button');
  assert.deepEqual(await buttons.allInnerTexts(), ['Accepter alle', 'Afvis alle', 'Indstillinger']);
  const looks = await buttons.evaluateAll((bs) => bs.map((b) => {
    const s = getComputedStyle(b);
    const r = b.getBoundingClientRect();
    return [s.fontSize, s.fontWeight, s.backgroundColor, s.color, Math.round(r.height)].join(' ');
  }));
  assert.equal(new Set(looks).size, 1, `one look for all three: ${looks}`);
  // Nothing ticked in advance.
  assert.equal(await banner(page).locator('input[type=checkbox]:checked').count(), 0);
  await banner(page).screenshot({ path: join(artifacts, 'banner-da.png') });
  await page.goto(base + '/?lang=en');
  assert.deepEqual(await banner(page).locator('.samtykke-buttons button').allInnerTexts(),
    ['Accept all', 'Reject all', 'Settings']);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await banner(page).screenshot({ path: join(artifacts, 'banner-en.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(artifacts, 'page-phone-en.png'), fullPage: true });
  await context.close();
});

test('keyboard: the first Tab reaches a link to the banner, which leads into it', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  const focused = () => page.evaluate(() => document.activeElement.textContent.trim());
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'Gå til cookievalget');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'Accepter alle');
  await context.close();
});

test('reject keeps nmstat out across reloads, and the banner away', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  await page.getByRole('button', { name: 'Afvis alle' }).click();
  await page.waitForURL(base + '/');
  for (let i = 0; i < 3; i++) {
    const j = await jar(context);
    assert.ok(j.samtykke, 'the refusal is stored in the consent cookie');
    assert.ok(!j.nmstat && !j.JSESSIONID, `nothing but necessary: ${Object.keys(j)}`);
    assert.equal(await banner(page).count(), 0, 'not asked again (R15)');
    await page.reload();
  }
  await context.close();
});

test('saving statistics lets nmstat in, no longer than the consent', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  await banner(page).locator('summary').click();
  await banner(page).getByLabel('Statistiske cookies').check();
  await banner(page).getByRole('button', { name: 'Gem valg' }).click();
  await page.waitForURL(base + '/');
  const j = await jar(context);
  assert.ok(j.nmstat, `statistics granted: ${Object.keys(j)}`);
  assert.ok(!j.JSESSIONID, 'functional was not chosen');
  const now = Date.now() / 1000;
  // The handler asked for 1000 days; the consent lasts 100.
  assert.ok(j.nmstat.expires <= now + 100 * DAY + 5, `nmstat expires ${j.nmstat.expires - now} s from now`);
  assert.ok(j.nmstat.expires > now + 99 * DAY);
  assert.equal(await banner(page).count(), 0, 'saving decided every category (functional refused): not asked again');
  await context.close();
});

test('withdrawing from the footer removes nmstat from the jar', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  await page.getByRole('button', { name: 'Accepter alle' }).click();
  await page.waitForURL(base + '/');
  assert.ok((await jar(context)).nmstat);
  await page.getByRole('link', { name: 'Cookieindstillinger' }).click();
  await page.waitForURL(/\/consent/);
  assert.equal(await page.locator('input[type=checkbox]:checked').count(), 0, 'nothing preselected');
  await page.getByRole('button', { name: 'Tilbagekald: Statistiske cookies' }).click();
  await page.waitForURL(/127\.0\.0\.1:\d+\/consent/);
  const j = await jar(context);
  assert.ok(!j.nmstat, `nmstat deleted: ${Object.keys(j)}`);
  assert.ok(j.JSESSIONID, 'functional keeps its grant');
  await page.goto(base + '/');
  assert.ok(!(await jar(context)).nmstat, 'and stays out');
  await context.close();
});

test('Sec-GPC: 1 (through the DevTools protocol) keeps gpc_refuses out', async () => {
  const { context, page } = await visitor();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Sec-GPC': '1' } });
  await page.goto(base + '/');
  let j = await jar(context);
  assert.ok(j.samtykke, 'the signal is a choice: the consent cookie holds the refusal');
  assert.ok(!j.nmstat);
  const state = JSON.parse(await page.locator('#samtykke-state').textContent());
  assert.equal(state.decisions.statistics, 'signal');
  await page.reload();
  j = await jar(context);
  assert.ok(!j.nmstat, 'still out');
  await context.close();
});

test('Sec-GPC: 1 after Accept all takes nmstat back out of the jar', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  await page.getByRole('button', { name: 'Accepter alle' }).click();
  await page.waitForURL(base + '/');
  let j = await jar(context);
  assert.ok(j.nmstat && j.JSESSIONID, `accepted: ${Object.keys(j)}`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Sec-GPC': '1' } });
  await page.reload();
  j = await jar(context);
  // The signal refuses what gpc_refuses names over the earlier grant (SPEC §4):
  // the layer deletes it; the other categories keep their grants.
  assert.deepEqual(GPC_REFUSES, ['statistics'], "the test knows statistics' cookie");
  assert.ok(!j.nmstat, `nmstat deleted: ${Object.keys(j)}`);
  assert.ok(j.JSESSIONID, 'functional keeps its grant');
  const state = JSON.parse(await page.locator('#samtykke-state').textContent());
  assert.equal(state.decisions.statistics, 'signal');
  await context.close();
});

test('without JavaScript: the banner\'s forms decide', async () => {
  const { context, page } = await visitor({ javaScriptEnabled: false });
  await page.goto(base + '/');
  await page.getByRole('button', { name: 'Afvis alle' }).click();
  await page.waitForURL(base + '/');
  let j = await jar(context);
  assert.ok(j.samtykke && !j.nmstat, `refused: ${Object.keys(j)}`);
  assert.equal(await banner(page).count(), 0);
  await page.getByRole('link', { name: 'Cookieindstillinger' }).click();
  await page.waitForURL(/\/consent/);
  await page.getByLabel('Statistiske cookies').check();
  await page.getByRole('button', { name: 'Gem valg' }).click();
  await page.waitForURL(/127\.0\.0\.1:\d+\//);
  await page.goto(base + '/');
  j = await jar(context);
  assert.ok(j.nmstat, `statistics saved without a script: ${Object.keys(j)}`);
  await context.close();
});

test("the page's script clears the storage a refusal denies (local, session, IndexedDB)", async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  await page.evaluate(async () => {
    localStorage.setItem('siteimprove_visits', '3');
    localStorage.setItem('siteimprove-not-matching', 'stays: the pattern wants an underscore');
    localStorage.setItem('theme', 'undeclared, stays');
    sessionStorage.setItem('nmstat.session', 'x');
    const open = (name) => new Promise((ok, fail) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => { r.result.close(); ok(); };
      r.onerror = () => fail(r.error);
    });
    await open('siteimprove-db-visits');
    await open('app-db');
  });
  const databases = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).sort());
  assert.deepEqual(await databases(), ['app-db', 'siteimprove-db-visits']);
  await page.getByRole('button', { name: 'Afvis alle' }).click();
  await page.waitForURL(base + '/');
  const left = await page.evaluate(() => ({
    local: Object.keys(localStorage).sort(),
    session: Object.keys(sessionStorage).sort(),
  }));
  assert.deepEqual(left.local, ['siteimprove-not-matching', 'theme']);
  assert.deepEqual(left.session, []);
  // Deleting a database is asynchronous: wait for it, up to two seconds.
  let dbs = await databases();
  for (let i = 0; i < 20 && dbs.includes('siteimprove-db-visits'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    dbs = await databases();
  }
  assert.deepEqual(dbs, ['app-db'], 'the declared database deleted, the undeclared one kept');
  await context.close();
});

test('a tampered consent cookie shows the banner again', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  await page.getByRole('button', { name: 'Afvis alle' }).click();
  await page.waitForURL(base + '/');
  assert.equal(await banner(page).count(), 0);
  const c = (await jar(context)).samtykke;
  const last = c.value.at(-1) === 'A' ? 'B' : 'A';
  await context.addCookies([{ ...c, value: c.value.slice(0, -1) + last }]);
  await page.reload();
  assert.ok(await banner(page).isVisible(), 'a new visitor');
  assert.ok(!(await jar(context)).nmstat);
  await context.close();
});

test("the declaration page: the visitor's language, every category", async () => {
  const { page } = await visitor();
  await page.goto(base + '/cookies?lang=en');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  const text = await page.textContent('body');
  for (const label of ['Necessary cookies', 'Functional cookies', 'Statistical cookies', 'nmstat']) {
    assert.ok(text.includes(label), label);
  }
  // On a phone, nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(base + '/cookies?lang=da');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
  await page.screenshot({ path: join(artifacts, 'cookies-phone-da.png') });
  await page.context().close();
});

test("the site's consent log audits clean", async () => {
  // Every visit above wrote to the log; the audit replays it.
  const r = spawnSync(cli, ['audit', '--policy', policyPath, logPath], { encoding: 'utf8' });
  const lines = readFileSync(logPath, 'utf8').trim().split('\n');
  assert.ok(lines.length > 40, `${lines.length} events`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /0 violation/);
});
