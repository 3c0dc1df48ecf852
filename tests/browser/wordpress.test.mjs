// The WordPress plugin (cms/wordpress/samtykke) in a real WordPress, in Debian's
// headless Chromium, as a visitor and a site owner would meet it: what the
// browser's cookie jar holds after each step, the admin page, the site's consent
// log audited with `samtykke audit`, and bad input that must never give a white
// screen. A small test plugin sets SESS… (necessary), nmstat (statistics),
// JSESSIONID (functional) and an undeclared cookie on every page.
//
// Run by scripts/test-wordpress, which sets WordPress up first (the test lives
// beside site.test.mjs to share its playwright-core). Environment:
// SAMTYKKE_WP_URL (the site), SAMTYKKE_WP_WORK (its work directory: logs,
// override.php, screenshots), SAMTYKKE_CLI, CHROMIUM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect } from 'node:net';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const base = process.env.SAMTYKKE_WP_URL;
const work = process.env.SAMTYKKE_WP_WORK;
const cli = process.env.SAMTYKKE_CLI ?? join(root, 'target/release/samtykke');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const logPath = join(work, 'private/logs/consent.jsonl');
const policyPath = join(work, 'private/policy.json');
const override = join(work, 'override.php');
const DAY = 86400;

let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  rmSync(override, { force: true });
});

async function visitor(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, locale: 'da-DK', ...options });
  const page = await context.newPage();
  return { context, page };
}

const jar = async (context) => Object.fromEntries((await context.cookies()).map((c) => [c.name, c]));
const names = async (context) => Object.keys(await jar(context)).sort();
const banner = (page) => page.locator('section.samtykke-banner');
const isSess = (n) => /^SESS[0-9a-f]{32}$/.test(n);

/** Runs `fn` with wp-config.php's constants overridden (override.php), then restores them. */
async function withOverride(php, fn) {
  writeFileSync(override, `<?php\n${php}\n`);
  try {
    return await fn();
  } finally {
    rmSync(override, { force: true });
  }
}

/**
 * Logs in as the site's admin and opens the plugin's settings page. Waits for
 * the dashboard's address rather than any navigation; a login that does not
 * take (WordPress's form again; seen in fresh-clone runs, where WordPress said
 * "The password field is empty") is tried once more, and the retry is printed
 * with WordPress's reason.
 */
async function adminPage(page) {
  for (let attempt = 1; ; attempt++) {
    // The login page's scripts (the password field's show/hide toggle among
    // them) can empty a field filled before they have run: WordPress then
    // answers "The password field is empty". Fill once the page is idle.
    await page.goto(base + '/wp-login.php', { waitUntil: 'networkidle' });
    await page.fill('#user_login', 'admin');
    await page.fill('#user_pass', 'admin-password');
    await page.click('#wp-submit');
    const inside = await page.waitForURL(/\/wp-admin\//, { timeout: 10000 }).then(() => true, () => false);
    if (inside) break;
    // WordPress's reason, when it gives one, for the log.
    const why = await page.locator('#login_error').innerText({ timeout: 1000 }).catch(() => 'no error shown');
    assert.ok(attempt < 2, `the admin login did not take, twice (page ${page.url()}: ${why.trim()})`);
    console.log(`# the admin login did not take (page ${page.url()}: ${why.trim()}); logging in again`);
  }
  await page.goto(base + '/wp-admin/options-general.php?page=samtykke');
}

/** A page must be WordPress's page, never a white screen or a PHP error. */
function assertServed(status, body) {
  assert.equal(status, 200, `status ${status}`);
  assert.match(body, /<\/html>/i);
  assert.doesNotMatch(body, /critical error|Fatal error|Warning:/i);
}

test('first visit: the banner, only necessary cookies in the jar', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  // (The browser's request for /favicon.ico is a WordPress page too, with its own SESS….)
  const got = await names(context);
  assert.ok(got.length >= 1 && got.every(isSess), `only the session cookie: ${got}`);
  assert.ok(await banner(page).isVisible());
  const buttons = banner(page).locator('.samtykke-buttons button');
  assert.deepEqual(await buttons.allInnerTexts(), ['Accepter alle', 'Afvis alle', 'Indstillinger']);
  const looks = await buttons.evaluateAll((bs) => bs.map((b) => {
    const s = getComputedStyle(b);
    const r = b.getBoundingClientRect();
    return [s.fontSize, s.fontWeight, s.backgroundColor, s.color, Math.round(r.height), Math.round(r.width)].join(' ');
  }));
  assert.equal(new Set(looks).size, 1, `one look for all three: ${looks}`);
  // The form carries the consent id the notice was shown to, and a nonce.
  assert.match(await banner(page).locator('input[name=consent_id]').first().inputValue(), /^[0-9a-f]{32}$/);
  assert.ok(await banner(page).locator('input[name=_samtykke_nonce]').count() > 0);
  await banner(page).screenshot({ path: join(work, 'banner-da.png') });
  await page.goto(base + '/?lang=en');
  assert.deepEqual(await banner(page).locator('.samtykke-buttons button').allInnerTexts(),
    ['Accept all', 'Reject all', 'Settings']);
  await banner(page).screenshot({ path: join(work, 'banner-en.png') });
  await page.screenshot({ path: join(work, 'page-en.png') });
  await context.close();
});

test('reject keeps nmstat out across reloads, and the banner away; the page clears refused local storage', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  // What a statistics script left before the choice, beside the site's own key.
  await page.evaluate(() => {
    localStorage.setItem('siteimprove_visit', '1');
    localStorage.setItem('theme', 'dark');
  });
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Afvis alle' }).click()]);
  assert.equal(page.url(), base + '/');
  await page.reload();
  const stored = await page.evaluate(() => [localStorage.getItem('siteimprove_visit'), localStorage.getItem('theme')]);
  assert.deepEqual(stored, [null, 'dark'], 'the library\'s script removed siteimprove_* and left the rest');
  const got = await names(context);
  assert.ok(got.includes('samtykke'), `the consent cookie: ${got}`);
  assert.ok(!got.includes('nmstat') && !got.includes('JSESSIONID') && !got.includes('undeclared_tracker'), `${got}`);
  assert.equal(await banner(page).count(), 0);
  const consent = (await jar(context)).samtykke;
  assert.equal(consent.httpOnly, true);
  assert.equal(consent.sameSite, 'Lax');
  assert.equal(consent.domain, '127.0.0.1', 'host-only on an IP address (the policy says kk.dk)');
  await context.close();
});

test('settings: saving statistics lets nmstat in, its Max-Age clamped to the consent lapse', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Indstillinger' }).click()]);
  const settings = page.locator('section.samtykke-settings');
  assert.ok(await settings.isVisible());
  assert.equal(await settings.locator('input[type=checkbox]:checked:not([disabled])').count(), 0, 'nothing preselected');
  // No decision yet: "not chosen", not "no" (the core's grouping of reasons).
  assert.match(await settings.locator('[data-category=statistics]').innerText(), /ikke valgt/);
  await settings.locator('input[value=statistics]').check();
  const before = Date.now() / 1000;
  await Promise.all([page.waitForNavigation(), settings.getByRole('button', { name: 'Gem valg' }).click()]);
  await page.reload();
  const c = await jar(context);
  assert.ok(c.nmstat, `nmstat in the jar: ${Object.keys(c)}`);
  assert.ok(!c.JSESSIONID, 'functional was not chosen');
  // The test plugin asks for 1000 days; the policy's consent lasts 100.
  const left = c.nmstat.expires - before;
  assert.ok(left > 99 * DAY && left <= 100 * DAY + 60, `nmstat lives ${left / DAY} days`);
  await context.close();
});

test('Google Consent Mode: the default denies, the update follows the choice, before any other script', async () => {
  const { context, page } = await visitor();
  const consent = async () => page.evaluate(() => (window.dataLayer || [])
    .map((a) => Array.from(a)).filter((a) => a[0] === 'consent')
    .map(([, kind, flags]) => [kind, flags.analytics_storage, flags.functionality_storage, flags.security_storage]));
  await page.goto(base + '/');
  // The head's first script is the default, before anything a theme or plugin adds.
  assert.match(await page.evaluate(() => document.head.querySelector('script').textContent),
    /^window\.dataLayer=.*gtag\('consent','default',/);
  assert.deepEqual(await consent(), [
    ['default', 'denied', 'denied', 'granted'],
    ['update', 'denied', 'denied', 'granted'],
  ]);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Accepter alle' }).click()]);
  assert.deepEqual((await consent())[1], ['update', 'granted', 'granted', 'granted']);
  await context.setExtraHTTPHeaders({ 'Sec-GPC': '1' });
  await page.reload();
  assert.deepEqual((await consent())[1], ['update', 'denied', 'granted', 'granted'], 'GPC refuses statistics');
  await context.close();
});

test('keyboard: a link near the top of the page leads into the banner', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  const focused = () => page.evaluate(() => document.activeElement.textContent.trim());
  // Within the first Tabs (WordPress puts its own skip link first), ours.
  let seen = [];
  for (let i = 0; i < 3 && !seen.includes('Gå til cookievalget'); i++) {
    await page.keyboard.press('Tab');
    seen.push(await focused());
  }
  assert.ok(seen.includes('Gå til cookievalget'), `focused: ${JSON.stringify(seen)}`);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'Accepter alle');
  await context.close();
});

test('withdrawal from the footer link deletes nmstat from the jar', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Accepter alle' }).click()]);
  await page.reload();
  assert.ok((await names(context)).includes('nmstat'));
  assert.ok((await names(context)).includes('JSESSIONID'));
  await Promise.all([page.waitForNavigation(), page.locator('a.samtykke-footer-link').click()]);
  const settings = page.locator('section.samtykke-settings');
  assert.match(await settings.locator('[data-category=statistics]').innerText(), /ja/);
  await Promise.all([page.waitForNavigation(), settings.getByRole('button', { name: 'Tilbagekald: Statistiske cookies' }).click()]);
  const got = await names(context);
  assert.ok(!got.includes('nmstat'), `nmstat deleted: ${got}`);
  // A withdrawal is a decision: "no", not "not chosen".
  await Promise.all([page.waitForNavigation(), page.locator('a.samtykke-footer-link').click()]);
  assert.match(await settings.locator('[data-category=statistics]').innerText(), /: nej$/);
  assert.ok(got.includes('JSESSIONID'), 'functional keeps its grant');
  await page.reload();
  assert.ok(!(await names(context)).includes('nmstat'), 'and stays out');
  await context.close();
});

test('Sec-GPC: 1 refuses what the policy names (statistics) and deletes it', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Accepter alle' }).click()]);
  await page.reload();
  assert.ok((await names(context)).includes('nmstat'));
  await context.setExtraHTTPHeaders({ 'Sec-GPC': '1' });
  await page.reload();
  await page.reload();
  const got = await names(context);
  assert.ok(!got.includes('nmstat'), `GPC refused statistics: ${got}`);
  assert.ok(got.includes('JSESSIONID'), 'functional is not in gpc_refuses');
  // A first visit with the signal: the refusal is stored, nmstat never set.
  const fresh = await visitor({ extraHTTPHeaders: { 'Sec-GPC': '1' } });
  await fresh.page.goto(base + '/');
  await fresh.page.reload();
  const first = await names(fresh.context);
  assert.ok(first.includes('samtykke') && !first.includes('nmstat'), `${first}`);
  await fresh.context.close();
  await context.close();
});

test('a tampered consent cookie is a new visitor: the banner again, nmstat out', async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Afvis alle' }).click()]);
  assert.equal(await banner(page).count(), 0);
  const c = (await jar(context)).samtykke;
  const flipped = c.value.slice(0, -1) + (c.value.at(-1) === 'A' ? 'B' : 'A');
  await context.addCookies([{ name: c.name, value: flipped, domain: c.domain, path: c.path,
    expires: c.expires, httpOnly: c.httpOnly, secure: c.secure, sameSite: c.sameSite }]);
  await page.reload();
  assert.ok(await banner(page).isVisible(), 'the banner again');
  assert.ok(!(await names(context)).includes('nmstat'));
  await context.close();
});

test('the admin page: lint warnings, the log location, how to audit', async () => {
  const { context, page } = await visitor({ locale: 'en-US' });
  await adminPage(page);
  const wrap = page.locator('.samtykke-admin');
  assert.match(await wrap.innerText(), /Active/);
  assert.match(await wrap.locator('.samtykke-lint').innerText(), /outlives-consent/);
  assert.equal(await wrap.locator('.samtykke-log-dir').innerText(), join(work, 'private/logs'));
  assert.match(await wrap.locator('.samtykke-audit').innerText(), /^samtykke audit .*consent\.jsonl --policy /);
  // The log directory is outside the document root and writable: no warning.
  assert.equal(await wrap.locator('.notice-warning, .notice-error').count(), 0);
  await page.screenshot({ path: join(work, 'admin.png'), fullPage: true });
  await context.close();
});

test('the declaration shortcode renders the library\'s declaration', async () => {
  const { context, page } = await visitor({ locale: 'en-US' });
  await page.goto(base + '/cookies/?lang=en');
  const text = await page.locator('.samtykke-declaration').first().innerText();
  assert.match(text, /nmstat/);
  assert.match(text, /Statistical cookies/);
  await context.close();
});

test('the written consent log audits with 0 violations', () => {
  const r = spawnSync(cli, ['audit', logPath, '--policy', policyPath, '--format', 'json'], { encoding: 'utf8' });
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.violations, [], JSON.stringify(report.violations.slice(0, 3)));
  assert.deepEqual(report.input_errors, []);
  assert.equal(r.status, 0);
  const events = readFileSync(logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l).event);
  for (const e of ['cookie_present', 'signal', 'notice_shown', 'decision', 'cookie_set']) {
    assert.ok(events.includes(e), `the log has ${e}`);
  }
  console.log(`# audited ${report.summary.events} events of ${report.summary.visitors} visitors: 0 violations`);
  const lines = readFileSync(logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  // Every decision has its proof record (SPEC §7): the visitor, the action, the time.
  const proofs = readFileSync(join(logPath, '../proofs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const decisions = lines.filter((l) => l.event === 'decision');
  assert.ok(decisions.length >= 4, `${decisions.length} decisions`);
  for (const d of decisions) {
    assert.ok(proofs.some((p) => p.consent_id === d.visitor && p.action === d.action && p.ts === d.ts),
      `a proof record of ${JSON.stringify(d)}`);
  }
  // Each notice names the controls its page rendered: the banner's three
  // buttons (the first test sees them); the settings' choices and "withdraw
  // all", which the settings always offer.
  const offered = { 1: ['accept_all', 'reject_all', 'settings'], 2: ['accept_all', 'reject_all', 'save', 'withdraw'] };
  const notices = lines.filter((l) => l.event === 'notice_shown');
  assert.ok(notices.some((n) => n.layer === 1) && notices.some((n) => n.layer === 2), 'both layers were shown');
  for (const n of notices) {
    assert.deepEqual(n.controls, offered[n.layer], JSON.stringify(n));
  }
  // No cookie's value in the log: each cookie_set names its cookie.
  for (const l of lines.filter((l) => l.event === 'cookie_set')) {
    assert.ok(typeof l.cookie === 'string' && !('set_cookie' in l), JSON.stringify(l));
  }
});

/** Fetches a page without a browser: [status, body]. */
async function get(path, headers = {}) {
  const r = await fetch(base + path, { headers, redirect: 'manual' });
  return [r.status, await r.text(), r.headers.getSetCookie()];
}

const cookieNames = (setCookies) => setCookies.map((h) => h.split('=')[0].trim());

for (const [what, php, notice, byPolicy = false] of [
  ['the library missing', `define('SAMTYKKE_FFI_SCOPE', ''); define('SAMTYKKE_LIB', '${work}/prefix/lib/missing.so');`,
    /cannot read the library/],
  ['a library of the wrong version', `define('SAMTYKKE_FFI_SCOPE', '');
    define('SAMTYKKE_LIB', '${work}/prefix/lib/libsamtykke-wrong-version.so');`, /libsamtykke 9\.9\.9; this code needs 0\.1\.x/],
  ['an FFI scope nobody preloaded', `define('SAMTYKKE_FFI_SCOPE', 'NOT_PRELOADED');`, /no FFI scope NOT_PRELOADED/],
  ['the policy missing', `define('SAMTYKKE_POLICY', '${work}/private/missing.json');`, /cannot read the policy/],
  ['a broken policy', `define('SAMTYKKE_POLICY', '${work}/private/broken.json');`, /broken\.json: storage\[0\]/],
  ['the site key missing', `define('SAMTYKKE_KEY_FILE', '${work}/private/missing.key');`, /no site key/, true],
]) {
  // `byPolicy`: the library and the policy loaded, so the policy's necessary
  // cookies (SESS…) still leave; otherwise only WordPress's own do.
  test(`${what}: pages are served, no consent-category cookie, an admin notice`, async () => {
    const policy = JSON.parse(readFileSync(policyPath, 'utf8'));
    policy.storage[0].duration = { weeks: 'eleven' };
    writeFileSync(join(work, 'private/broken.json'), JSON.stringify(policy));
    await withOverride(php, async () => {
      const [status, body, setCookies] = await get('/', { Cookie: 'nmstat=1' });
      assertServed(status, body);
      const set = cookieNames(setCookies);
      for (const n of set) {
        assert.ok(!['nmstat', 'JSESSIONID', 'undeclared_tracker'].includes(n), `fails closed: ${set}`);
      }
      assert.equal(set.some(isSess), byPolicy, `the necessary SESS… cookie: ${set}`);
      // Nothing half-rendered: the footer link and its words come with the
      // library, and no page warns of a missing word.
      assert.ok(!/class="samtykke-footer-link"[^>]*><\/a>/.test(body), 'no empty footer link');
      const log = join(work, 'debug.log');
      assert.ok(!existsSync(log) || !/Undefined array key/.test(readFileSync(log, 'utf8')), 'no warning in debug.log');
      assert.equal(await (await fetch(base + '/cookies/')).status, 200);
      const { context, page } = await visitor({ locale: 'en-US' });
      await adminPage(page);
      // WordPress's admin script moves notices under the heading once the page
      // has loaded: wait for the notice to settle rather than look at once.
      const n = page.locator('.samtykke-notice').first();
      const shown = await n.waitFor({ state: 'visible', timeout: 10000 }).then(() => true, () => false);
      if (!shown) await page.screenshot({ path: join(work, `notice-missing-${what.replace(/\W+/g, '-')}.png`) });
      assert.ok(shown, `an admin notice (page ${page.url()})`);
      assert.match(await n.innerText(), notice);
      assert.match(await n.innerText(), byPolicy ? /only the policy's necessary cookies/ : /only WordPress's own cookies/);
      await context.close();
    });
  });
}

test("FFI disabled: the library says so, as a LibraryError", () => {
  const r = spawnSync('php', ['-d', 'ffi.enable=0', '-r', `
    require '${root}/cms/wordpress/samtykke/lib/samtykke.php';
    try { Samtykke\\Lib::ffi(); echo "loaded"; } catch (Samtykke\\LibraryError $e) { echo get_class($e), ': ', $e->getMessage(); }`],
  { encoding: 'utf8', env: { ...process.env, SAMTYKKE_LIB: join(work, 'prefix/lib/libsamtykke.so') } });
  assert.match(r.stdout, /^Samtykke\\LibraryError: FFI is disabled/);
});

/**
 * A raw HTTP request, bytes as given (fetch refuses control characters in
 * headers): each character of `request` is one byte (latin1), so '\xff' is the
 * byte 0xFF, not UTF-8.
 */
function raw(request) {
  return new Promise((ok, fail) => {
    const url = new URL(base);
    const s = connect(Number(url.port), url.hostname, () => s.end(Buffer.from(request, 'latin1')));
    const chunks = [];
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => ok(Buffer.concat(chunks).toString('latin1')));
    s.on('error', fail);
  });
}

test('malformed cookies and headers: a page and a banner, never an error', async () => {
  const host = new URL(base).host;
  for (const cookie of ['samtykke=v1.garbage', 'samtykke=', '=; ;;; samtykke', 'samtykke=v1.\x01\x7f; nmstat=1',
    `samtykke=${'A'.repeat(5000)}`, 'nmstat="unterminated', '\xff\xfe=\xff']) {
    const res = await raw(`GET / HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\nSec-GPC: maybe\r\nConnection: close\r\n\r\n`);
    const [head, body] = res.split('\r\n\r\n', 2);
    assert.match(head, /^HTTP\/1\.1 200/, `${JSON.stringify(cookie)}: ${head.split('\r\n')[0]}`);
    // (A deletion of a present nmstat may go out: Max-Age=0.)
    assert.ok(!/Set-Cookie: (nmstat|JSESSIONID)=[^;\r]/i.test(head), `${JSON.stringify(cookie)}: nothing of consent`);
    assert.ok(body.includes('<section class="samtykke-banner"'), `${JSON.stringify(cookie)}: the banner`);
  }
  // A Host header that is no host: never a server error, nothing of consent;
  // when the page is served, with the banner.
  const odd = await raw(`GET / HTTP/1.1\r\nHost: [::1\r\nConnection: close\r\n\r\n`);
  const [oddHead, oddBody = ''] = odd.split('\r\n\r\n', 2);
  console.log(`# a broken Host: ${oddHead.split('\r\n')[0]}`);
  assert.doesNotMatch(oddHead.split('\r\n')[0], / 5\d\d /);
  assert.ok(!/Set-Cookie: (nmstat|JSESSIONID)=[^;\r]/i.test(oddHead), 'a broken Host: nothing of consent');
  if (/^HTTP\/1\.1 200/.test(oddHead)) {
    assert.ok(oddBody.includes('<section class="samtykke-banner"'), 'a broken Host: the banner');
  }
});

test("another application's cookie that is not UTF-8 hides no one's consent", async () => {
  const { context, page } = await visitor();
  await page.goto(base + '/');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Accepter alle' }).click()]);
  const consent = (await jar(context)).samtykke;
  assert.ok(consent, 'accepted');
  await context.close();
  const host = new URL(base).host;
  const res = await raw(`GET / HTTP/1.1\r\nHost: ${host}\r\n`
    + `Cookie: legacy=\xe6\xf8; samtykke=${consent.value}; nmstat=1\r\nConnection: close\r\n\r\n`);
  const [head, body] = res.split('\r\n\r\n', 2);
  assert.match(head, /^HTTP\/1\.1 200/, head.split('\r\n')[0]);
  assert.ok(!body.includes('<section class="samtykke-banner"'), 'the visitor who accepted is not asked again');
  assert.ok(!/Set-Cookie: nmstat=;/i.test(head), 'nmstat is not deleted');
  assert.match(head, /Set-Cookie: nmstat=[^;\r]/i, 'nmstat is let out');
});

test('key rotation: a consent cookie signed with an older key is accepted and signed again with the first', async () => {
  const keyFile = join(work, 'private/rotation.key');
  const oldKey = `old-${'o'.repeat(40)}`;
  const newKey = `new-${'n'.repeat(40)}`;
  const host = new URL(base).host;
  const get = async (cookie) => (await raw(`GET / HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\n`
    + 'Connection: close\r\n\r\n')).split('\r\n\r\n', 2);
  const asked = (body) => body.includes('<section class="samtykke-banner"');
  await withOverride(`define('SAMTYKKE_KEY_FILE', '${keyFile}');`, async () => {
    try {
      writeFileSync(keyFile, `${oldKey}\n`);
      const { context, page } = await visitor();
      await page.goto(base + '/');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Accepter alle' }).click()]);
      const signedOld = (await jar(context)).samtykke?.value;
      await context.close();
      assert.ok(signedOld, 'accepted under the old key');
      // The new key signs; the old one still verifies.
      writeFileSync(keyFile, `${newKey}\n${oldKey}\n`);
      const [head, body] = await get(`samtykke=${signedOld}`);
      assert.match(head, /^HTTP\/1\.1 200/, head.split('\r\n')[0]);
      assert.ok(!asked(body), 'the visitor who accepted is not asked again');
      const resigned = head.match(/Set-Cookie: samtykke=([^;\r]+)/i)?.[1];
      assert.ok(resigned && resigned !== signedOld, `the consent cookie is signed again: ${head}`);
      // The old key retired: the cookie signed again verifies, the old one not.
      writeFileSync(keyFile, `${newKey}\n`);
      assert.ok(!asked((await get(`samtykke=${resigned}`))[1]), 'the new cookie verifies under the new key');
      assert.ok(asked((await get(`samtykke=${signedOld}`))[1]), 'the old cookie is a new visitor');
    } finally {
      rmSync(keyFile, { force: true });
    }
  });
});

test('a forged nonce, a cross-origin form (403), an unknown choice, a post not a form (415) or too large (413): refused with a reason', async () => {
  const post = (body, headers = {}) => fetch(base + '/wp-admin/admin-post.php', {
    method: 'POST', redirect: 'manual', body: new URLSearchParams(body),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
  let r = await post({ action: 'samtykke_decide', _samtykke_nonce: 'forged', choice: 'accept_all' });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /expired or was not made by this site/);
  assert.equal(r.headers.getSetCookie().filter((h) => h.startsWith('samtykke=')).length, 0);
  // A real nonce from the page.
  const page = await (await fetch(base + '/')).text();
  const nonce = page.match(/name="_samtykke_nonce" value="([^"]+)"/)[1];
  r = await post({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'accept_all' },
    { origin: 'https://evil.example' });
  assert.equal(r.status, 403);
  // The library's cross-origin rule: Origin null needs a Sec-Fetch-Site that
  // vouches for it, and a sibling or foreign site is refused whatever Origin says.
  for (const headers of [{ origin: 'null' }, { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site', origin: base }]) {
    r = await post({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'accept_all' }, headers);
    assert.equal(r.status, 403, JSON.stringify(headers));
    assert.match(await r.text(), /cross-origin form is refused|fra en anden side afvises/, JSON.stringify(headers));
  }
  // A page under Referrer-Policy: no-referrer sends Origin: null for its own
  // form, and Sec-Fetch-Site: same-origin vouches for it.
  r = await post({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'reject_all' },
    { origin: 'null', 'sec-fetch-site': 'same-origin' });
  assert.equal(r.status, 303);
  r = await post({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'scroll' });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /no choice: expected accept_all/);
  // In the language of the form that was sent.
  r = await post({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'scroll', lang: 'da' });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /Valget kunne ikke gemmes: formularen har intet valg/);
  r = await post({ action: 'samtykke_decide', _samtykke_nonce: 'forged', choice: 'accept_all', lang: 'da' });
  assert.match(await r.text(), /formularen er udløbet/);
  r = await post({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'save', 'granted[]': 'nonsense' });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /nonsense/);
  r = await post({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'accept_all', consent_id: 'xyz' });
  assert.equal(r.status, 400);
  // The library's form rule: a notice that is no version number and an unknown
  // control are refused, naming the field; the withdraw-all button's empty
  // categories[] withdraws everything.
  r = await post({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'accept_all', notice: '3abc' });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /`notice` must be a version number/);
  r = await post({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'accept_all', control: 'bogus' });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /unknown `control`/);
  r = await post({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'withdraw', 'categories[]': '' });
  assert.equal(r.status, 303);
  // The form is read from the body: a multipart post is refused as such.
  const multipart = new FormData();
  for (const [k, v] of Object.entries({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'accept_all' })) {
    multipart.append(k, v);
  }
  r = await fetch(base + '/wp-admin/admin-post.php', { method: 'POST', redirect: 'manual', body: multipart });
  assert.equal(r.status, 415);
  assert.match(await r.text(), /x-www-form-urlencoded/);
  // The library's size rule: a form over 16 KiB is refused before its fields are read.
  r = await post({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'accept_all', pad: 'x'.repeat(16 * 1024) });
  assert.equal(r.status, 413);
  assert.match(await r.text(), /the form is over 16 KiB/);
  // A post that is not a form is refused as such before its nonce is looked
  // for (PHP reads no nonce from a JSON body), in the tower layer's order.
  r = await fetch(base + '/wp-admin/admin-post.php?action=samtykke_decide', {
    method: 'POST', redirect: 'manual', body: '{"choice":"accept_all"}',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(r.status, 415);
  assert.match(await r.text(), /x-www-form-urlencoded/);
  r = await post({ action: 'samtykke_decide', _samtykke_nonce: nonce, choice: 'accept_all' });
  assert.equal(r.status, 303);
  assert.ok(r.headers.getSetCookie().some((h) => h.startsWith('samtykke=v1.')));
});
