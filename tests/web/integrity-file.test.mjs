// Browser tests of civil servants' integrity files (公务员个人诚信档案): the 诚信档案 card on a civil
// servant's page for personnel (whether a sanction bars promotion and until when, 已开除, the
// latest annual assessment, the counts, and every entry with a sanction's kind, last day and
// state or an assessment's year and grade), hidden from inspectors and the public, on a phone
// and a tablet without sideways scrolling; and a body's counts in the integrity board's
// 公务员诚信 column.
//
// Run by scripts/web-test, against the same server as the other tests. The facts are recorded
// first, through the server, with the command line (`creditlog record --server`, as
// duties.test.mjs does): a public body (the approval bureau's key) and five of its civil
// servants (the organisation department's key, personnel.key; the client seals their names and
// the entries' contents, docs/privacy.md): one with a 记过 in force, a 警告 whose period has ended
// and an assessment; one 优秀 and commended; one 优秀; one 不称职, with a dishonesty record,
// then 开除; one with an untyped entry. Five files, so the board counts them. Dates are counted
// back from the server's today.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { api as get, launch, openPage } from './console.mjs';

const api = (route, token) => get(route, token, 'appointment');

const BASE = process.env.BASE_URL;
const INSPECTOR = process.env.INSPECTOR_TOKEN;
const PERSONNEL = process.env.PERSONNEL_TOKEN;
const SHOTS = (process.env.SCREENSHOT_DIRS || '').split(':').filter(Boolean);
assert.ok(BASE && INSPECTOR && PERSONNEL, 'BASE_URL and the INSPECTOR and PERSONNEL tokens are set by scripts/web-test');

// --- the facts -------------------------------------------------------------------------------

// GB 32100 (USCC) and GB 11714 (organisation code) check characters.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function uscc(registration, division, body8) {
  const value = (c) => (c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 55);
  const org = 11 - ([...body8].reduce((sum, c, i) => sum + value(c) * [3, 7, 9, 10, 5, 8, 4, 2][i], 0) % 11);
  const code = `${registration}${division}${body8}${org === 10 ? 'X' : org === 11 ? '0' : org}`;
  const sum = [...code].reduce((acc, c, i) => acc + ALPHABET.indexOf(c) * [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28][i], 0);
  return code + ALPHABET[(31 - (sum % 31)) % 31];
}

const BODY = uscc('11', '370203', 'MB1C0093');  // 青岛市市北区机关事务服务中心
const BODY_NAME = '青岛市市北区机关事务服务中心';
const STAFF = { sanctioned: 'B2001', commended: 'B2002', excellent: 'B2003', expelled: 'B2004', untyped: 'B2005' };
const NAMES = { B2001: '周立群', B2002: '孙雅文', B2003: '钱晓东', B2004: '郑美玲', B2005: '冯国华' };
const cs = (staff) => `${BODY}/${staff}`;

function addDays(date, days) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);
}

// The facts as of `today`: the events, and what each file's dates must come to.
function facts(today) {
  const d = (days) => addDays(today, days);
  const assessed = d(-300);
  const year = Number(assessed.slice(0, 4)) - 1;
  const ev = (id, subject, type, body) => ({ event_id: `web-file/${id}`, subject, body_type: type, body });
  const reg = (staff) => ev(`reg-${staff}`, cs(staff), 'SubjectRegistered',
    { kind: 'CivilServant', name: NAMES[staff], division: '370203', staff_number: staff, employer_uscc: BODY });
  const entry = (staff, id, body) => ev(`${staff}-${id}`, cs(staff), 'CivilServantIntegrityEntry', { entry_id: id, ...body });
  const assessment = (staff, grade, words) => entry(staff, `KH-${year}`, { category: '考核', content: `${year}年度考核${words}`,
    entry_date: assessed, entry_type: 'Assessment', assessment_year: year, assessment_grade: grade });
  const s = STAFF;
  return {
    today, year,
    demerit: d(-100),     // 记过: 12 months, in force
    warning: d(-500),     // 警告, its period recorded: ended
    warningEnd: d(-380),
    body: [ev('body', BODY, 'SubjectRegistered', { kind: 'PublicBody', name: BODY_NAME, division: '370203' })],
    staff: [
      ...Object.values(s).map(reg),
      entry(s.sanctioned, 'CN-1', { category: '承诺', content: '廉洁从政承诺', entry_date: d(-600), entry_type: 'Commitment' }),
      entry(s.sanctioned, 'CF-1', { category: '处分', content: '违反工作纪律，受到警告处分', entry_date: d(-500), entry_type: 'Sanction',
        sanction_kind: 'Warning', period_end_date: d(-380) }),
      assessment(s.sanctioned, 'Competent', '称职'),
      entry(s.sanctioned, 'CF-2', { category: '处分', content: '违反廉洁纪律，受到记过处分', entry_date: d(-100), entry_type: 'Sanction',
        sanction_kind: 'Demerit' }),
      assessment(s.commended, 'Excellent', '优秀'),
      entry(s.commended, 'BJ-1', { category: '褒奖', content: '拾金不昧，通报表扬', entry_date: d(-50), entry_type: 'Commendation' }),
      assessment(s.excellent, 'Excellent', '优秀'),
      assessment(s.expelled, 'Incompetent', '不称职'),
      entry(s.expelled, 'SX-1', { category: '失信', content: '拒不履行生效判决，被列为失信被执行人', entry_date: d(-80), entry_type: 'Dishonesty' }),
      entry(s.expelled, 'CF-1', { category: '处分', content: '受到开除处分', entry_date: d(-20), entry_type: 'Sanction', sanction_kind: 'Expulsion' }),
      entry(s.untyped, 'QT-1', { category: '其他', content: '档案转入', entry_date: d(-700) }),
    ],
  };
}

// The last day of a period of whole months from `date` (a 记过's 12): the day before the same
// date that many months on. Null for the 29th of February, whose anniversary is a convention.
function lastDayOfMonths(date, months) {
  if (date.endsWith('-02-29')) return null;
  const [y, m, day] = date.split('-').map(Number);
  const total = y * 12 + (m - 1) + months;
  const end = `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return addDays(end, -1);
}

function serverFiles() {
  const bin = process.env.CREDITLOG_BIN, data = process.env.CREDITLOG_DATA;
  if (!bin || !data) throw new Error('CREDITLOG_BIN and CREDITLOG_DATA must name the server\'s binary and data directory (scripts/web-test sets them)');
  return { bin, data };
}

// Records the facts through the server, unless an earlier run against this server did.
async function recordFacts(f) {
  if ((await fetch(`${BASE}/v1/subjects/${BODY}/public-profile`)).status === 200) return;
  const { bin, data } = serverFiles();
  const run = promisify(execFile);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'creditlog-file-'));
  const record = async (key, events) => {
    const file = path.join(tmp, `${events[0].event_id.replace(/\W/g, '_')}.jsonl`);
    await writeFile(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    try {
      await run(bin, ['record', '--server', BASE, '--key', path.join(data, 'keys', 'agencies', key), '--quiet', file], { timeout: 60000, env: process.env });
    } catch (err) {
      throw new Error(`creditlog record ${key}: ${err.stderr || err.message}`);
    }
  };
  try {
    await record('approval.key', f.body);
    await record('personnel.key', f.staff);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

// --- the browser -----------------------------------------------------------------------------

let browser;
let fx;

before(async () => {
  browser = await launch();
  const today = (await api('/v1/integrity')).as_of;
  const f = facts(today);
  await recordFacts(f);
  const file = async (staff) => (await api(`/v1/subjects/${encodeURIComponent(cs(staff))}/profile`, PERSONNEL)).integrity_file;
  fx = {
    ...f,
    sanctioned: await file(STAFF.sanctioned),
    expelled: await file(STAFF.expelled),
    board: (await api('/v1/integrity')).board,
  };
});

after(async () => { await browser?.close(); });

const open = ({ token = '', width = 1366 } = {}) =>
  openPage(browser, { token, width, purpose: 'appointment', mobile: width < 600, data: [...KEY_NAMES] });

async function shot(page, name) {
  for (const dir of SHOTS) {
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, name), fullPage: true });
  }
}

// What on the page is wider than the screen or scrolls sideways (layout.test.mjs checks every
// page so; this is its check for the views here).
function sideways() {
  const W = window.innerWidth;
  const bad = [];
  if (document.documentElement.scrollWidth > W) bad.push(`the page is ${document.documentElement.scrollWidth} px wide`);
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('thead, .visually-hidden, .skip, .date-native, [hidden]')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const what = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent || '').trim().slice(0, 30)}"`;
    if (r.left < -1 || r.right > W + 1) bad.push(`${what} spans ${Math.round(r.left)}..${Math.round(r.right)}`);
    if (/auto|scroll/.test(getComputedStyle(el).overflowX) && el.scrollWidth > el.clientWidth + 1) bad.push(`${what} scrolls sideways`);
  }
  return bad;
}

// The names the demo's office gave its agencies' keys, shown on an entry as recorded: data.
const KEY_NAMES = new Set(['personnel', 'approval']);
const hrefs = (locator) => locator.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
const SANCTION = { Warning: '警告', Demerit: '记过', MajorDemerit: '记大过', Demotion: '降级', Dismissal: '撤职', Expulsion: '开除' };
const TYPE = { Untyped: '未分类', Commitment: '承诺', Sanction: '处分', Assessment: '年度考核', Dishonesty: '失信记录', Commendation: '诚信褒奖' };
const GRADE = { Excellent: '优秀', Competent: '称职', BasicallyCompetent: '基本称职', Incompetent: '不称职' };

test('诚信档案 for personnel: promotion barred until the 记过 ends, the latest assessment, the counts, each entry with its period and state', { timeout: 60000 }, async () => {
  const f = fx.sanctioned;
  // The server's file, against the facts: the 记过 in force for its kind's 12 months, the 警告
  // ended on the day recorded, promotion barred until the 记过 ends.
  const demerit = f.entries.find((e) => e.sanction_kind === 'Demerit');
  const warning = f.entries.find((e) => e.sanction_kind === 'Warning');
  assert.ok(demerit.in_force && !warning.in_force, 'the 记过 in force, the 警告 ended');
  const expected = lastDayOfMonths(fx.demerit, 12);
  if (expected) assert.equal(demerit.until, expected, `a 记过 of ${fx.demerit} lasts 12 months`);
  assert.equal(warning.until, fx.warningEnd, 'the 警告\'s period as recorded');
  assert.equal(f.promotion_barred_until, demerit.until);
  assert.equal(f.sanctions_in_force, 1);

  const { context, page } = await open({ token: PERSONNEL });
  await page.goto(`${BASE}/#/subject/${encodeURIComponent(cs(STAFF.sanctioned))}`);
  await page.waitForSelector('.page-subject[data-view="full"] #integrity-file');
  assert.ok(page.requests.some((u) => u.includes(`/v1/subjects/${cs(STAFF.sanctioned)}/profile`) && u.includes('purpose=appointment')));
  assert.equal(await page.locator('#main h1').innerText(), NAMES[STAFF.sanctioned]);
  assert.equal(await page.locator('#integrity-file h2').innerText(), '诚信档案');

  // The summary.
  const status = page.locator('#file-status');
  assert.equal(await status.getAttribute('data-status'), 'barred');
  const statusText = await status.innerText();
  assert.ok(statusText.includes(`处分期间不得晋升至 ${f.promotion_barred_until}`), statusText);
  assert.ok(statusText.includes('公务员处分：处分期间不得晋升'), statusText);
  assert.equal(await status.locator('.rule').getAttribute('title'), 'civil_servant.sanction_period');
  assert.deepEqual(await hrefs(status.locator('a.seq')), demerit.seqs.map((seq) => `#/entry/${seq}`));
  assert.equal(f.latest_assessment.year, fx.year);
  assert.ok((await page.locator('#file-assessment').innerText()).startsWith(`最近年度考核：${fx.year} 年度 称职`));
  assert.deepEqual(await page.locator('#file-counts li').allInnerTexts(), ['处分期间内 1 项', '失信记录 0 条', '诚信褒奖 0 条', '承诺 1 项']);

  // The entries, newest first.
  assert.deepEqual(await page.locator('#file-entries thead th').allInnerTexts(), ['日期', '类型', '编号', '类别', '处分或考核', '依据']);
  const rows = page.locator('#file-entries tbody tr');
  assert.equal(await rows.count(), f.entries.length);
  const newestFirst = [...f.entries].sort((a, b) => b.date.localeCompare(a.date));
  assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.entry)), newestFirst.map((e) => e.entry_id));
  for (const e of f.entries) {
    const row = page.locator(`#file-entries tbody tr[data-entry="${e.entry_id}"]`);
    const text = await row.innerText();
    for (const part of [e.date, TYPE[e.type], e.entry_id, e.category]) assert.ok(text.includes(part), `${e.entry_id}: "${part}" in ${text}`);
    if (e.type === 'Sanction') {
      const detail = `${SANCTION[e.sanction_kind]} 期满日 ${e.until} ${e.in_force ? '期间内' : '已期满'}`;
      assert.equal((await row.locator('td').nth(4).innerText()).replace(/\s+/g, ' ').trim(), detail);
      assert.equal(await row.getAttribute('data-in-force'), String(e.in_force));
    }
    if (e.type === 'Assessment') assert.equal(await row.locator('td').nth(4).innerText(), `${e.assessment_year} 年度 ${GRADE[e.assessment_grade]}`);
    assert.deepEqual(await hrefs(row.locator('a.seq')), e.seqs.map((seq) => `#/entry/${seq}`));
  }
  await page.assertChinese('the 诚信档案');
  await shot(page, 'console-integrity-file.png');

  // The 记过's entry: its type, kind and period in Chinese, no other type's fields.
  await page.locator(`#file-entries tbody tr[data-entry="${demerit.entry_id}"] a.seq`).click();
  await page.waitForSelector('table.kv [data-field="sanction_kind"]');
  const field = async (k) => page.locator('table.kv tbody tr', { has: page.locator(`[data-field="${k}"]`) }).locator('td').nth(1).innerText();
  assert.equal(await field('entry_type'), '处分');
  assert.equal(await field('sanction_kind'), '记过');
  assert.equal(await page.locator('table.kv [data-field="sanction_kind"]').innerText(), '处分种类');
  assert.equal(await page.locator('table.kv [data-field="entry_type"]').innerText(), '档案类型');
  for (const k of ['assessment_year', 'assessment_grade', 'period_end_date']) {
    assert.equal(await page.locator(`table.kv [data-field="${k}"]`).count(), 0, `${k} is not a 记过's`);
  }
  await page.waitForSelector('#verdict[data-ok]');
  await page.assertChinese('a sanction\'s entry');
  // The ended 警告's entry: the period recorded.
  await page.goto(`${BASE}/#/entry/${warning.seqs[0]}`);
  await page.waitForSelector('table.kv [data-field="period_end_date"]');
  assert.equal(await page.locator('table.kv [data-field="period_end_date"]').innerText(), '处分期满日期');
  assert.equal(await field('period_end_date'), fx.warningEnd);
  assert.equal(await field('sanction_kind'), '警告');
  page.assertNoErrors();
  await context.close();

  // 开除: no promotion date, 已开除; the 开除 has no period.
  const ex = fx.expelled;
  assert.ok(ex.expelled && ex.promotion_barred_until === null);
  const other = await open({ token: PERSONNEL });
  await other.page.goto(`${BASE}/#/subject/${encodeURIComponent(cs(STAFF.expelled))}`);
  await other.page.waitForSelector('#integrity-file');
  assert.equal(await other.page.locator('#file-status').getAttribute('data-status'), 'expelled');
  assert.equal((await other.page.locator('#file-status').innerText()).split(' ')[0], '已开除');
  assert.ok((await other.page.locator('#file-assessment').innerText()).startsWith(`最近年度考核：${fx.year} 年度 不称职`));
  assert.deepEqual(await other.page.locator('#file-counts li').allInnerTexts(), [`处分期间内 ${ex.sanctions_in_force} 项`, '失信记录 1 条', '诚信褒奖 0 条', '承诺 0 项']);
  const expulsion = other.page.locator('#file-entries tbody tr[data-type="Sanction"]');
  assert.equal((await expulsion.locator('td').nth(4).innerText()).trim(), '开除');
  assert.ok((await other.page.locator('#file-entries tbody tr[data-type="Dishonesty"]').innerText()).includes('失信记录'));
  await other.page.assertChinese('an expelled civil servant\'s file');
  other.page.assertNoErrors();
  await other.context.close();
});

test('诚信档案 on a phone and a tablet: nothing wider than the screen, each value beside its column\'s name on a phone', { timeout: 60000 }, async () => {
  for (const width of [390, 768]) {
    const { context, page } = await open({ token: PERSONNEL, width });
    await page.goto(`${BASE}/#/subject/${encodeURIComponent(cs(STAFF.sanctioned))}`);
    await page.waitForSelector('#integrity-file #file-entries');
    assert.equal(await page.evaluate(() => window.innerWidth), width);
    assert.deepEqual(await page.evaluate(sideways), [], `the 诚信档案 at ${width} px`);
    if (width < 600) {
      const cell = page.locator(`#file-entries tbody tr[data-in-force="true"] td`).nth(4);
      assert.equal(await cell.evaluate((td) => getComputedStyle(td, '::before').content), '"处分或考核"');
      const head = await page.locator('#file-entries thead').evaluate((el) => el.getBoundingClientRect());
      assert.ok(head.width <= 2 && head.height <= 2, 'on a phone the rows are cards, without the header row');
    }
    await shot(page, `console-integrity-file-${width}.png`);
    page.assertNoErrors();
    await context.close();
  }
});

test('诚信档案: not for an inspector (403) nor the public (not found)', { timeout: 60000 }, async () => {
  const id = encodeURIComponent(cs(STAFF.sanctioned));
  for (const [token, status] of [[INSPECTOR, 403], ['', 404]]) {
    const res = await fetch(`${BASE}/v1/subjects/${id}/${token ? 'profile?purpose=supervision' : 'public-profile'}`,
      { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    assert.equal(res.status, status);
    const { context, page } = await open({ token });
    await page.goto(`${BASE}/#/subject/${id}`);
    await page.waitForSelector(`#main .error.status-${status}`);
    assert.equal(await page.locator('#integrity-file').count(), 0);
    const text = await page.locator('#main').innerText();
    for (const word of ['诚信档案', NAMES[STAFF.sanctioned], '记过']) assert.ok(!text.includes(word), `${word} not shown (${status})`);
    page.assertNoErrors();
    await context.close();
  }
});

test('integrity board: a body\'s civil servants counted in 公务员诚信, nothing for a body with too few files', { timeout: 60000 }, async () => {
  const row = fx.board.find((b) => b.subject === BODY);
  assert.ok(row, `${BODY} on the board`);
  // 记过 in force and 开除 (in force for good); 优秀 twice, 不称职 once.
  assert.deepEqual(row.civil_servants, { files: 5, sanctions_in_force: 2, dishonesty: 1, commendations: 1, assessed_excellent: 2, assessed_incompetent: 1 });
  const pageNo = Math.ceil(row.rank / 20);
  const bare = fx.board.find((b) => !b.civil_servants && Math.ceil(b.rank / 20) === pageNo);
  for (const width of [1366, 390]) {
    const { context, page } = await open({ width });
    await page.goto(`${BASE}/#/integrity${pageNo > 1 ? `?page=${pageNo}` : ''}`);
    await page.waitForSelector('#board-table');
    const heads = await page.locator('#board-table thead th').allTextContents();
    assert.equal(heads[8], '公务员诚信');
    assert.equal(heads[7], '履职逾期');
    const cell = page.locator(`#board-table tr[data-subject="${BODY}"] td.staff`);
    assert.equal((await cell.innerText()).replace(/\s+/g, ''), '档案5，处分期间2，失信1，褒奖1，考核优秀2，考核不称职1');
    assert.equal(await cell.getAttribute('data-files'), '5');
    if (bare) assert.equal((await page.locator(`#board-table tr[data-subject="${bare.subject}"] td.staff`).innerText()).trim(), '');
    if (width < 600) {
      assert.equal(await cell.evaluate((td) => getComputedStyle(td, '::before').content), '"公务员诚信"');
      assert.deepEqual(await page.evaluate(sideways), [], 'the board on a phone');
    }
    await page.assertChinese('the board');
    if (width > 600) {
      await page.locator(`#board-table tr[data-subject="${BODY}"]`).scrollIntoViewIfNeeded();
      await shot(page, 'console-integrity-civil-servants.png');
    }
    page.assertNoErrors();
    await context.close();
  }
});
