// Browser tests of the web console, run by scripts/web-test against a demo ledger:
// headless Chromium (Debian's) driven by playwright-core, node's own test runner.
// Expected values come from the API itself, so the tests hold for any demo seed and size.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.BASE_URL;
const INSPECTOR = process.env.INSPECTOR_TOKEN;
const AUDITOR = process.env.AUDITOR_TOKEN;
const PERSONNEL = process.env.PERSONNEL_TOKEN;
const SHOTS = (process.env.SCREENSHOT_DIRS || '').split(':').filter(Boolean);
assert.ok(BASE && INSPECTOR && AUDITOR && PERSONNEL, 'BASE_URL and the INSPECTOR, AUDITOR and PERSONNEL tokens are set by scripts/web-test');

let browser;
let fx; // facts about the ledger, read from the API

// With a token, the read names a purpose (docs/privacy.md) unless the route does.
async function api(route, token) {
  const url = token && !/[?&]purpose=/.test(route) ? `${route}${route.includes('?') ? '&' : '?'}purpose=supervision` : route;
  const res = await fetch(BASE + url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  assert.equal(res.status, 200, `GET ${route}: HTTP ${res.status}`);
  return res.headers.get('content-type').includes('json') ? res.json() : res.text();
}

function addDays(date, days) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);
}

// A subject with measures today and none on a day before its first listing.
async function findSubject() {
  for (const list of ['SeriousDishonesty', 'NotificationIneligible', 'Watch']) {
    const view = await api(`/v1/lists/${list}`, INSPECTOR);
    for (const member of view.entries) {
      const id = member.subject;
      const now = await api(`/v1/subjects/${id}/measures`, INSPECTOR);
      if (!now.measures.length) continue;
      const profile = await api(`/v1/subjects/${id}/profile`, INSPECTOR);
      const first = profile.lists.map((l) => l.since).sort()[0];
      const early = addDays(first, -1);
      const then = await api(`/v1/subjects/${id}/measures?as_of=${early}`, INSPECTOR);
      if (then.measures.length) continue;
      // Typed in the search box: the trade name's first two characters, as an inspector might,
      // or more of the name if the first 50 results do not hold the subject.
      const core = profile.name.replace(/^青岛(市)?/, '').replace(/(有限公司|有限责任公司)$/, '');
      let query = null;
      for (const q of [core.slice(0, 2), core, profile.name]) {
        const search = await api(`/v1/search?q=${encodeURIComponent(q)}`);
        if (q && search.results.some((r) => r.subject === id)) { query = q; break; }
      }
      if (!query) continue;
      const timeline = await api(`/v1/subjects/${id}/timeline`, INSPECTOR);
      return { id, name: profile.name, query, profile, measures: now.measures, early, earlyProfile: await api(`/v1/subjects/${id}/profile?as_of=${early}`, INSPECTOR), timeline };
    }
  }
  throw new Error('the demo ledger has no subject with measures that began after some date');
}

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--lang=zh-CN'],
  });
  fx = { subject: await findSubject() };
});

after(async () => { await browser?.close(); });

// A fresh browser context: its own storage, the console in Chinese unless lang says otherwise,
// signed in with token when one is given (as the token box would keep it in sessionStorage),
// with the purpose of reads chosen (as the header's box would keep it) unless purpose is ''.
async function open({ token = '', lang = 'zh', width = 1366, purpose = 'supervision' } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  context.setDefaultTimeout(10000);
  await context.addInitScript(([tok, lng, why]) => {
    if (tok && sessionStorage.getItem('creditlog.token') === null) sessionStorage.setItem('creditlog.token', tok);
    if (why && sessionStorage.getItem('creditlog.purpose') === null) sessionStorage.setItem('creditlog.purpose', why);
    if (localStorage.getItem('creditlog.lang') === null) localStorage.setItem('creditlog.lang', lng);
  }, [token, lang, purpose]);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.requests = [];
  page.on('request', (req) => page.requests.push(req.url()));
  page.assertNoErrors = () => assert.deepEqual(errors, [], 'no uncaught errors in the page');
  return { context, page };
}

async function shot(page, name) {
  for (const dir of SHOTS) {
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, name), fullPage: true });
  }
}

const hashOf = (page) => decodeURIComponent(new URL(page.url()).hash);

test('search as you type, open the subject, redraw it as of an earlier date, its timeline, and an entry verified in the browser', { timeout: 90000 }, async () => {
  const s = fx.subject;
  const { context, page } = await open({ token: INSPECTOR });
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#search-input:focus');

  // Instant, debounced, percent-encoded search.
  await page.locator('#search-input').pressSequentially(s.query, { delay: 40 });
  const option = page.locator('#search-results li', { hasText: s.id });
  await option.waitFor();
  const searches = page.requests.filter((u) => u.includes('/v1/search?q='));
  const typed = [...s.query].length;
  assert.ok(searches.length >= 1 && (typed < 2 || searches.length < typed), `debounced: ${searches.length} searches for ${typed} characters`);
  assert.ok(searches.at(-1).includes(`/v1/search?q=${encodeURIComponent(s.query)}`), `percent-encoded query: ${searches.at(-1)}`);
  assert.equal(hashOf(page), `#/search?q=${s.query}`);
  // Each hit carries its grade and the lists the reader may see, to tell namesakes apart.
  assert.equal(await option.locator('.grade-chip').innerText(), s.profile.grade);
  assert.equal(await option.locator('.list-badge').count(), new Set(s.profile.lists.map((m) => m.list)).size);
  await shot(page, 'console-search.png');

  // Subject: full view for an inspector, grade and measures as the API says.
  await option.click();
  await page.waitForSelector('.page-subject[data-view="full"]');
  assert.equal(hashOf(page), `#/subject/${s.id}`);
  assert.equal(await page.locator('h1').innerText(), s.name);
  assert.equal(await page.locator('#grade').innerText(), s.profile.grade);
  const items = page.locator('#measures li');
  assert.equal(await items.count(), s.measures.length);
  const m = s.measures[0];
  const firstText = await items.first().innerText();
  assert.ok(firstText.includes(`${m.measure}：${m.since} 起，因 ${m.reason_zh}`), firstText);
  // The grade's reason in Chinese, as the server words it.
  assert.ok((await page.locator('#grade-reason').innerText()).includes(s.profile.grade_reason_zh));
  assert.deepEqual(await items.first().locator('a.seq').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
    m.seqs.map((seq) => `#/entry/${seq}`));
  assert.equal(await page.locator('#lists tbody tr').count(), s.profile.lists.length);
  assert.ok(page.requests.some((u) => u.includes(`/v1/subjects/${s.id}/profile`)), 'inspectors read /profile');
  assert.ok(page.requests.some((u) => u.includes(`/v1/subjects/${s.id}/measures`)), 'inspectors read /measures');
  await shot(page, 'console-subject.png');

  // As of a day before the first listing: the page redraws, and the measures are gone.
  await page.locator('#as-of').fill(s.early);
  await page.locator('#as-of').press('Enter');
  await page.waitForSelector(`.page-subject[data-as-of="${s.early}"]`);
  assert.equal(hashOf(page), `#/subject/${s.id}?as_of=${s.early}`);
  assert.equal(await page.locator('#measures li').count(), 0);
  assert.equal(await page.locator('#measures').innerText(), '无适用措施');
  assert.equal(await page.locator('#grade').innerText(), s.earlyProfile.grade);
  assert.ok(page.requests.some((u) => u.includes(`/measures?as_of=${s.early}&purpose=`)));

  // Back to today, then the timeline: one list item per event, one dot per dated event.
  await page.getByRole('link', { name: '今天' }).click();
  await page.waitForSelector(`.page-subject[data-as-of="${s.profile.as_of}"]`);
  await page.locator('#timeline-link').click();
  await page.waitForSelector('#timeline-list');
  assert.equal(hashOf(page), `#/timeline/${s.id}`);
  assert.equal(await page.locator('#timeline-list li').count(), s.timeline.timeline.length);
  assert.equal(await page.locator('svg.axis circle').count(), s.timeline.timeline.filter((e) => e.date).length);
  await shot(page, 'console-timeline.png');

  // The entry behind the first measure, verified in this browser.
  const seq = m.seqs[0];
  await page.locator(`#timeline-list a.seq[href="#/entry/${seq}"]`).click();
  const verdict = page.locator('#verdict[data-ok]');
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute('data-ok'), 'true');
  assert.equal((await verdict.innerText()).trim(), '✓ 已验证');
  assert.deepEqual(await page.locator('#checks li').evaluateAll((lis) => lis.map((li) => [li.dataset.check, li.dataset.ok])),
    [['checkpoint', 'true'], ['leaf', 'true'], ['inclusion', 'true'], ['author', 'true'], ['embedded', 'true']]);
  const cp = await api('/v1/checkpoint');
  assert.ok(page.requests.some((u) => u.includes(`/v1/proofs/inclusion?seq=${seq}&size=`)), 'the proof was fetched by the page');
  assert.ok((await page.locator('#checks li[data-check="checkpoint"]').innerText()).includes(cp.split('\n')[0]));
  await shot(page, 'console-entry.png');

  page.assertNoErrors();
  await context.close();
});

// The page must compute "verified" itself: served bytes that do not fit fail the checks.
test('entry verification fails in the browser when the entry, its signature or the checkpoint is altered', { timeout: 60000 }, async () => {
  const seq = fx.subject.measures[0].seqs[0];
  const flip = (b64, at) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[at] ^= 0x01;
    return bytes.toString('base64');
  };
  const cases = [
    {
      name: 'entry bytes', route: new RegExp(`/v1/entries/${seq}(\\?|$)`),
      change: (body) => { const e = JSON.parse(body); e.entry = flip(e.entry, Buffer.from(e.entry, 'base64').length - 1); return JSON.stringify(e); },
      failed: ['inclusion', 'embedded'],
    },
    {
      name: 'author signature', route: new RegExp(`/v1/entries/${seq}(\\?|$)`),
      change: (body) => { const e = JSON.parse(body); e.signature = flip(e.signature, 0); return JSON.stringify(e); },
      failed: ['author', 'embedded'],
    },
    {
      name: 'checkpoint root', route: '**/v1/checkpoint',
      change: (body) => { const lines = body.split('\n'); lines[2] = flip(lines[2], 0); return lines.join('\n'); },
      failed: ['checkpoint', 'inclusion'],
    },
  ];
  for (const c of cases) {
    const { context, page } = await open({ token: INSPECTOR });
    await page.route(c.route, async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, body: c.change(await res.text()) });
    });
    await page.goto(`${BASE}/#/entry/${seq}`);
    const verdict = page.locator('#verdict[data-ok]');
    await verdict.waitFor();
    assert.equal(await verdict.getAttribute('data-ok'), 'false', c.name);
    assert.match(await verdict.innerText(), /验证失败/, c.name);
    const failed = await page.locator('#checks li[data-ok="false"]').evaluateAll((lis) => lis.map((li) => li.dataset.check));
    assert.deepEqual(failed, c.failed, c.name);
    page.assertNoErrors();
    await context.close();
  }
});

// Parses RFC 4180 CSV (quoted fields may hold commas, quotes and line breaks).
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; } else if (ch === '\r') { /* CRLF */ } else if (ch === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else field += ch;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

test('lists: filter by division, reason and date, page through, and export the filtered rows as CSV', { timeout: 60000 }, async () => {
  const list = await api('/v1/lists/Watch', INSPECTOR);
  assert.ok(list.entries.length > 0, 'the demo watch list has members');
  const { context, page } = await open({ token: INSPECTOR });
  await page.goto(`${BASE}/#/lists/Watch`);
  await page.waitForSelector('#list-table');
  const total = list.entries.length;
  assert.equal(await page.locator('#list-table tbody tr').count(), Math.min(20, total));
  assert.equal(await page.locator('#page-status').innerText(), `第 1 / ${Math.ceil(total / 20)} 页`);
  if (total > 20) {
    await page.locator('#page-next').click();
    assert.equal(await page.locator('#page-status').innerText(), `第 2 / ${Math.ceil(total / 20)} 页`);
    assert.equal(await page.locator('#list-table tbody tr td.mono').first().innerText(), list.entries[20].subject);
    assert.match(hashOf(page), /page=2/);
  } else {
    assert.equal(await page.locator('#page-next').isDisabled(), true);
  }

  // The division with the most members.
  const counts = {};
  for (const e of list.entries) counts[e.subject.slice(2, 8)] = (counts[e.subject.slice(2, 8)] || 0) + 1;
  const district = Object.keys(counts).sort((a, b) => counts[b] - counts[a] || a.localeCompare(b))[0];
  await page.locator('#f-district').selectOption(district);
  const inDistrict = list.entries.filter((e) => e.subject.slice(2, 8) === district);
  await page.waitForFunction((n) => document.querySelector('.page-lists').dataset.rows === String(n), inDistrict.length);
  assert.equal(await page.locator('#list-count').innerText(),
    inDistrict.length === total ? `截至 ${list.as_of}：共 ${total} 条` : `截至 ${list.as_of}：共 ${total} 条，符合筛选的 ${inDistrict.length} 条`);
  const shown = await page.locator('#list-table tbody tr td.mono').allInnerTexts();
  assert.ok(shown.length > 0 && shown.every((id) => id.slice(2, 8) === district), `all rows in ${district}`);
  assert.match(hashOf(page), new RegExp(`district=${district}`));
  await shot(page, 'console-lists.png');

  // Reason text, typed in Chinese as the page shows it, and a date range on "since".
  const reasonWord = /承诺违约/.test(inDistrict[0].reason_zh) ? '承诺违约' : '一般行政处罚';
  const sinceDates = inDistrict.map((e) => e.since).sort();
  const from = sinceDates[Math.floor(sinceDates.length / 2)];
  const expected = inDistrict.filter((e) => e.reason_zh.includes(reasonWord) && e.since >= from);
  assert.ok(expected.length > 0, `some members in ${district} from ${from} for ${reasonWord}`);
  await page.locator('#f-reason').fill(reasonWord);
  await page.locator('#f-from').fill(from);
  await page.locator('#f-from').press('Enter');
  await page.waitForFunction((n) => document.querySelector('.page-lists').dataset.rows === String(n), expected.length);
  const rows = await page.locator('#list-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.innerText)));
  assert.deepEqual(rows.map((r) => r[0]).sort(), expected.slice(0, 20).map((e) => e.subject).sort());
  assert.ok(rows.every((r) => r[3] >= from), 'every since is on or after the from date');

  // CSV export of the filtered rows: a download made in the page, UTF-8 with a BOM.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#csv-export').click()]);
  assert.equal(download.suggestedFilename(), `重点关注名单-${list.as_of}.csv`);
  const bytes = await readFile(await download.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
  const csv = parseCsv(bytes.subarray(3).toString('utf8'));
  assert.deepEqual(csv[0], ['名单', '统一社会信用代码', '名称', '区划', '起始', '截止', '原因', '规则', '规则代码', '规则集', '依据']);
  assert.equal(csv.length - 1, expected.length);
  const bySubject = new Map(expected.map((e) => [`${e.subject}|${e.since}|${e.rule}`, e]));
  for (const r of csv.slice(1)) {
    const e = bySubject.get(`${r[1]}|${r[4]}|${r[8]}`);
    assert.ok(e, `row ${r.join(',')} is one of the filtered members`);
    assert.deepEqual(r, [list.list_zh, e.subject, e.name, district, e.since, e.until || '', e.reason_zh, e.rule_name, e.rule,
      e.ruleset, e.seqs.join(' ')]);
  }

  page.assertNoErrors();
  await context.close();
});

test('roles: the public sees the public profile and no watch list; an inspector and an auditor see both', { timeout: 60000 }, async () => {
  const s = fx.subject;
  const { context, page } = await open();
  await page.goto(`${BASE}/#/lists/SeriousDishonesty`);
  await page.waitForSelector('#list-table, #list-body .muted');
  assert.equal(await page.locator('#token-form').isVisible(), true);
  assert.equal(await page.locator('.tab[data-list="Watch"]').getAttribute('aria-disabled'), 'true');
  assert.equal(await page.locator('a.tab[data-list="Watch"]').count(), 0);

  await page.goto(`${BASE}/#/lists/Watch`);
  await page.waitForSelector('#list-body .error');
  assert.match(await page.locator('#list-body .error').innerText(), /需要登录.*401/);

  await page.goto(`${BASE}/#/subject/${s.id}`);
  await page.waitForSelector('.page-subject[data-view="public"]');
  assert.match(await page.locator('#view-note').innerText(), /公开视图/);
  assert.ok(page.requests.some((u) => u.includes(`/v1/subjects/${s.id}/public-profile`)));
  assert.ok(!page.requests.some((u) => /\/v1\/subjects\/[^/]+\/(profile|measures)/.test(u)), 'no request for the full profile');
  assert.equal(await page.locator('#timeline-link').count(), 0, 'no timeline link for the public');
  assert.equal(await page.locator('a.seq').count(), 0, 'entries are not links for the public');

  for (const route of [`#/timeline/${s.id}`, `#/entry/${s.measures[0].seqs[0]}`]) {
    await page.goto(`${BASE}/${route}`);
    await page.waitForSelector('#main .error.status-401');
  }

  // A wrong token is refused and not kept.
  await page.locator('#token-input').fill('clt_not-a-valid-token');
  await page.locator('#token-login').click();
  await page.waitForSelector('#notice:not([hidden])');
  assert.match(await page.locator('#notice').innerText(), /令牌无效/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('creditlog.token')), null);

  // Signing in with the token box.
  await page.locator('#token-input').fill(INSPECTOR);
  await page.locator('#token-input').press('Enter');
  await page.waitForSelector('#role-badge[data-role="inspector"]');
  assert.match(await page.locator('#role-badge').innerText(), /检查员/);
  await page.goto(`${BASE}/#/lists/Watch`);
  await page.waitForSelector('#list-table');
  await page.goto(`${BASE}/#/subject/${s.id}`);
  await page.waitForSelector('.page-subject[data-view="full"]');
  assert.equal(await page.locator('#timeline-link').count(), 1);
  page.assertNoErrors();
  await context.close();

  // An auditor: role shown, inspector pages allowed.
  const auditor = await open({ token: AUDITOR });
  await auditor.page.goto(`${BASE}/#/lists/NotificationIneligible`);
  await auditor.page.waitForSelector('#role-badge[data-role="auditor"]');
  assert.match(await auditor.page.locator('#role-badge').innerText(), /审计员/);
  await auditor.page.waitForSelector('#list-table, #list-body p.muted:has-text("没有符合条件的条目")');
  assert.equal(await auditor.page.locator('#list-body .error').count(), 0);
  auditor.page.assertNoErrors();
  await auditor.context.close();
});

test('keyboard: arrow keys choose a result and Enter opens it', { timeout: 30000 }, async () => {
  const prefix = fx.subject.id.slice(0, 8);
  const found = (await api(`/v1/search?q=${prefix}`)).results;
  assert.ok(found.length >= 2, `at least two subjects start with ${prefix}`);
  const { context, page } = await open();
  await page.goto(`${BASE}/#/search`);
  await page.waitForSelector('#search-input:focus');
  await page.keyboard.type(prefix);
  await page.waitForSelector('#search-results li');
  await page.waitForFunction((n) => document.querySelectorAll('#search-results li').length === n, found.length);
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator('#search-input').getAttribute('aria-activedescendant'), 'result-1');
  assert.equal(await page.locator('#result-1').getAttribute('aria-selected'), 'true');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.page-subject[data-view]');
  assert.equal(hashOf(page), `#/subject/${found[1].subject}`);
  page.assertNoErrors();
  await context.close();
});

test('integrity board: ranked table, a chart column for every body, paging', { timeout: 30000 }, async () => {
  const board = await api('/v1/integrity');
  const { context, page } = await open();
  await page.goto(`${BASE}/#/integrity`);
  await page.waitForSelector('#integrity-chart');
  assert.equal(await page.locator('#integrity-chart a.bar-link').count(), board.board.length);
  assert.equal(await page.locator('#integrity-chart rect.fulfilment').count(), board.board.length);
  assert.equal(await page.locator('#integrity-chart rect.arrears').count(), board.board.filter((b) => b.arrears_fen > 0).length);
  const firstRow = await page.locator('#board-table tbody tr').first().locator('td').allInnerTexts();
  assert.equal(firstRow[0], '1');
  assert.equal(firstRow[1], board.board[0].name);
  assert.equal(await page.locator('#board-table tbody tr').count(), Math.min(20, board.board.length));
  // No commitment due: no rate, not 100%. Arrears: never drawn as good.
  const due = (b) => b.fulfilled + b.breached + b.overdue;
  assert.equal(await page.locator('#integrity-chart rect.fulfilment.none').count(), board.board.filter((b) => !due(b)).length);
  const arrearsGood = board.board.filter((b) => b.arrears_fen > 0).map((b) => b.rank);
  for (const rank of arrearsGood) {
    assert.equal(await page.locator(`#integrity-chart a[data-rank="${rank}"] rect.fulfilment.good`).count(), 0, `rank ${rank} has arrears`);
  }
  const rates = await page.locator('#board-table tbody td.rate').allInnerTexts();
  board.board.slice(0, 20).forEach((b, i) => { if (!due(b)) assert.equal(rates[i], '无到期承诺'); });
  // A bad date is explained beside the box, and nothing is asked of the server.
  await page.locator('#as-of').fill('2026-02-30');
  await page.locator('#as-of').press('Enter');
  assert.equal(await page.locator('#as-of-error').innerText(), '日历上没有 2026-02-30 这一天');
  await page.locator('#as-of').fill('2026/3/1');
  await page.locator('#as-of').press('Enter');
  assert.match(await page.locator('#as-of-error').innerText(), /不是日期.*年-月-日/);
  assert.equal(await page.locator('#as-of').getAttribute('aria-invalid'), 'true');
  await shot(page, 'console-integrity.png');
  if (board.board.length > 20) {
    await page.locator('#page-next').click();
    assert.equal(await page.locator('#board-table tbody tr td').first().innerText(), '21');
  }
  page.assertNoErrors();
  await context.close();
});

test('language: English on request, remembered across a reload', { timeout: 30000 }, async () => {
  const { context, page } = await open();
  await page.goto(`${BASE}/#/integrity`);
  await page.waitForSelector('#integrity-chart');
  assert.equal(await page.locator('#nav a[data-page="search"]').innerText(), '查询');
  await page.locator('#lang-toggle').click();
  await page.waitForSelector('html[lang="en"]');
  await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Government integrity board');
  await page.waitForSelector('#integrity-chart');
  assert.equal(await page.locator('#nav a[data-page="search"]').innerText(), 'Search');
  await page.reload();
  await page.waitForSelector('#integrity-chart');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await page.locator('#lang-toggle').innerText(), '中文');
  await page.locator('#lang-toggle').click();
  await page.waitForSelector('html[lang="zh-CN"]');
  assert.equal(await page.evaluate(() => localStorage.getItem('creditlog.lang')), 'zh');
  page.assertNoErrors();
  await context.close();
});

test('tablet width: the subject page fits 768 px without sideways scrolling', { timeout: 30000 }, async () => {
  const { context, page } = await open({ token: INSPECTOR, width: 768 });
  await page.goto(`${BASE}/#/subject/${fx.subject.id}`);
  await page.waitForSelector('.page-subject[data-view="full"]');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 768), 'no horizontal overflow');
  for (const dir of SHOTS.slice(1)) {
    await page.screenshot({ path: path.join(dir, 'console-subject-768.png'), fullPage: true });
  }
  page.assertNoErrors();
  await context.close();
});

test('subject: a record the rules do not let count is listed with its rule and reason, for inspectors only', { timeout: 30000 }, async () => {
  const id = '91370202MA3C4D5E7X';  // recorded by scripts/web-test: a listing repaired while its fine is unpaid
  const profile = await api(`/v1/subjects/${id}/profile`, INSPECTOR);
  assert.equal(profile.disregarded.length, 1);
  assert.equal(profile.disregarded[0].rule, 'serious_list.repair');
  assert.ok(profile.lists.some((l) => l.list === 'SeriousDishonesty'), 'the listing stands');
  const { context, page } = await open({ token: INSPECTOR });
  await page.goto(`${BASE}/#/subject/${id}`);
  await page.waitForSelector('#disregarded');
  const text = await page.locator('#disregarded').innerText();
  assert.match(text, /严重失信名单：信用修复条件/);  // the rule's display name; its id is the cell's title
  assert.match(text, /青市监罚〔2024〕88号 规定的义务尚未履行完毕/);
  assert.equal(await page.locator('#disregarded .rule').getAttribute('title'), 'serious_list.repair');
  assert.match(await page.locator('section:has(#disregarded) h2').innerText(), /不计入的记录/);
  page.assertNoErrors();
  await context.close();
  const pub = await open();
  await pub.page.goto(`${BASE}/#/subject/${id}`);
  await pub.page.waitForSelector('.page-subject[data-view="public"]');
  assert.equal(await pub.page.locator('#disregarded').count(), 0);
  await pub.context.close();
});

test('views: the public, an inspector and personnel each see only what docs/privacy.md allows', { timeout: 60000 }, async () => {
  // A public body and its civil servant (the demo's organisation department keeps one per body).
  const board = (await api('/v1/integrity')).board;
  let employer = null;
  let cs = null;
  for (const row of board) {
    const hits = (await api(`/v1/search?q=${row.subject}`, PERSONNEL)).results.filter((r) => r.subject.includes('/'));
    if (hits.length) { employer = row.subject; cs = hits[0]; break; }
  }
  assert.ok(cs, 'a civil servant in the demo ledger');
  const publicHits = (await api(`/v1/search?q=${employer}`)).results;
  assert.ok(publicHits.length >= 1 && publicHits.every((r) => !r.subject.includes('/')), 'the public search lists no civil servant');
  const enc = encodeURIComponent(cs.subject);

  // The public: the civil servant's page is "not found", as for a code that does not exist.
  const pub = await open();
  await pub.page.goto(`${BASE}/#/subject/${enc}`);
  await pub.page.waitForSelector('#main .error.status-404');
  assert.equal(await pub.page.locator(`text=${cs.name}`).count(), 0);
  assert.equal(await pub.page.locator('#main .loading').count(), 0, 'the error replaces 加载中…');
  // A page that does not exist finishes loading, with its error.
  await pub.page.goto(`${BASE}/#/nonexistent`);
  await pub.page.waitForSelector('#main .page[data-ready="true"] .error.status-404');
  assert.equal(await pub.page.locator('#main').getAttribute('aria-busy'), 'false');
  await pub.page.goto(`${BASE}/#/search`);
  await pub.page.locator('#search-input').fill(employer);
  await pub.page.waitForSelector('#search-results li');
  const shownToPublic = await pub.page.locator('#search-results a').evaluateAll((as) => as.map((a) => decodeURIComponent(a.getAttribute('href'))));
  assert.ok(shownToPublic.every((href) => !href.includes('/', '#/subject/'.length)), `no civil servant among ${shownToPublic}`);
  pub.page.assertNoErrors();
  await pub.context.close();

  // An inspector: refused the civil servant's file (403), naming the personnel role, in Chinese.
  const insp = await open({ token: INSPECTOR });
  await insp.page.goto(`${BASE}/#/subject/${enc}`);
  await insp.page.waitForSelector('#main .error.status-403');
  assert.match(await insp.page.locator('#main .error').innerText(), /需要组织人事的令牌（当前身份：检查员）/);
  insp.page.assertNoErrors();
  await insp.context.close();

  // Personnel: the civil servant's whole file and timeline; an enterprise only as the public sees it.
  const pers = await open({ token: PERSONNEL });
  await pers.page.goto(`${BASE}/#/subject/${enc}`);
  await pers.page.waitForSelector('#role-badge[data-role="personnel"]');
  assert.match(await pers.page.locator('#role-badge').innerText(), /组织人事/);
  await pers.page.waitForSelector('.page-subject[data-view="full"]');
  assert.match(await pers.page.locator('#main h1').innerText(), new RegExp(cs.name));
  await shot(pers.page, 'personnel-civil-servant.png');
  await pers.page.locator('#timeline-link').click();
  await pers.page.waitForSelector('.page-timeline');
  await pers.page.waitForFunction(() => document.querySelector('#main').innerText.includes('CivilServantIntegrityEntry') ||
    document.querySelector('#main').innerText.includes('公务员'));
  await pers.page.goto(`${BASE}/#/subject/${fx.subject.id}`);
  await pers.page.waitForSelector('.page-subject[data-view="public"]');
  assert.ok(!pers.page.requests.some((u) => u.includes(`/v1/subjects/${fx.subject.id}/profile`)), 'no request for an enterprise\'s records');
  await pers.page.goto(`${BASE}/#/lists/SeriousDishonesty`);
  await pers.page.waitForSelector('#list-table, #list-body .muted');
  assert.equal(await pers.page.locator('.tab[data-list="Watch"]').getAttribute('aria-disabled'), 'true');
  pers.page.assertNoErrors();
  await pers.context.close();
});

test('access log: a signed-in reader names a purpose once; each read is in the subject\'s 查询记录 for auditors', { timeout: 60000 }, async () => {
  const s = fx.subject;
  const insp = await open({ token: INSPECTOR, purpose: '' });
  await insp.page.goto(`${BASE}/#/subject/${s.id}`);
  await insp.page.waitForSelector('#main .error.status-400');
  assert.match(await insp.page.locator('#main .error').innerText(), /选择查询用途/);
  assert.equal(await insp.page.locator('#purpose-select').evaluate((el) => el.classList.contains('unset')), true);
  await insp.page.locator('#purpose-select').selectOption('bidding');
  await insp.page.waitForSelector('.page-subject[data-view="full"]');
  assert.equal(await insp.page.locator('#purpose-select').inputValue(), 'bidding');
  // Kept for the session: the next page needs no choice.
  await insp.page.goto(`${BASE}/#/timeline/${s.id}`);
  await insp.page.waitForSelector('#timeline-list');
  assert.ok(insp.page.requests.some((u) => u.includes('/timeline') && u.includes('purpose=bidding')));
  assert.equal(await insp.page.locator('#access-link').count(), 0, 'inspectors do not read access logs');
  insp.page.assertNoErrors();
  await insp.context.close();

  const aud = await open({ token: AUDITOR, purpose: 'audit' });
  await aud.page.goto(`${BASE}/#/subject/${s.id}`);
  await aud.page.waitForSelector('#access-link');
  await aud.page.locator('#access-link').click();
  await aud.page.waitForSelector('#access-table');
  const text = await aud.page.locator('#access-table').innerText();
  assert.match(text, /web-test-inspector/);
  assert.match(text, /招投标/);
  assert.match(text, /检查员/);
  assert.match(text, /事件时间线/);  // the route, named; its path is the cell's title
  assert.ok(await aud.page.locator('#access-table [title="GET /v1/subjects/{id}/timeline"]').count() > 0);
  await shot(aud.page, 'console-access-log.png');
  aud.page.assertNoErrors();
  await aud.context.close();
});
