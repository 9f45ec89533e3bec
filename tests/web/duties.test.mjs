// Browser tests of the console's views of joint rewards and punishments and of the duties
// agencies owe: the 联合奖惩核查 before granting an action, a subject's measures with their basis
// and 实施反馈, commitments with their verification, objections with their deadlines, the 待核查
// list of an accepting agency, and the duties let pass on the integrity board.
//
// Run by scripts/web-test after console.test.mjs, against the same server. The facts are
// recorded first, through the server, with the command line (`creditlog record --server`): an
// enterprise fined, listed as seriously dishonest and barred from a tender (MeasureApplied, by a
// finance-bureau key registered for it with the ledger's root key), three commitments accepted
// by a public body (two of them not verified in time, a 容缺受理 whose materials never came, one
// due), and objections (rejected, overdue, pending). The binary and the data directory are the
// server's own, CREDITLOG_BIN and CREDITLOG_DATA, which scripts/web-test sets;
// CREDITLOG_PASSPHRASE opens the keys. Dates are counted back from the server's today, and
// expected values come from the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { api, launch, openPage } from './console.mjs';

const BASE = process.env.BASE_URL;
const INSPECTOR = process.env.INSPECTOR_TOKEN;
const AUDITOR = process.env.AUDITOR_TOKEN;
const SHOTS = (process.env.SCREENSHOT_DIRS || '').split(':').filter(Boolean);
assert.ok(BASE && INSPECTOR && AUDITOR, 'BASE_URL and the INSPECTOR and AUDITOR tokens are set by scripts/web-test');

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

const FIRM = uscc('91', '370202', 'MA3DW8K2');    // 青岛恒信泰商贸有限公司
const BODY = uscc('11', '370202', 'MB1C0091');    // 青岛市市南区行政审批服务局, the accepting agency
const MARKET = '11370200MB1B000100';              // the demo's agencies (scripts/web-test records with them too)
const FINANCE = '11370200MB1B00037P';
const DECISION = '青市监罚〔2026〕77号';
const TENDER = '青岛市市南区办公设备采购项目（QDCG-2026-118）';

function addDays(date, days) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);
}

// The binary and data directory of the server at BASE_URL (scripts/web-test sets both).
function serverFiles() {
  const bin = process.env.CREDITLOG_BIN, data = process.env.CREDITLOG_DATA;
  if (!bin || !data) throw new Error('CREDITLOG_BIN and CREDITLOG_DATA must name the server\'s binary and data directory (scripts/web-test sets them)');
  return { bin, data };
}

// Records the facts through the server, unless an earlier run against this server did.
async function recordFacts(today) {
  const known = await fetch(`${BASE}/v1/subjects/${FIRM}/public-profile`);
  if (known.status === 200) return;
  const { bin, data } = serverFiles();
  const run = promisify(execFile);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'creditlog-duties-'));
  const cli = async (args) => {
    try {
      return (await run(bin, args, { timeout: 60000, env: process.env })).stdout;
    } catch (err) {
      throw new Error(`creditlog ${args.slice(0, 2).join(' ')}: ${err.stderr || err.message}`);
    }
  };
  const record = async (key, events) => {
    const file = path.join(tmp, `${events[0].event_id.replace(/\W/g, '_')}.jsonl`);
    await writeFile(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    await cli(['record', '--server', BASE, '--key', key, '--quiet', file]);
  };
  const d = (days) => addDays(today, days);
  const keys = path.join(data, 'keys', 'agencies');
  const ev = (id, subject, type, body) => ({ event_id: `web-duties/${id}`, subject, body_type: type, body });
  try {
    await record(path.join(keys, 'approval.key'), [
      ev('body', BODY, 'SubjectRegistered', { kind: 'PublicBody', name: '青岛市市南区行政审批服务局', division: '370202' }),
      ev('firm', FIRM, 'SubjectRegistered', { kind: 'Enterprise', name: '青岛恒信泰商贸有限公司', division: '370202' }),
      // 告知承诺: verify within 60 days (by d(-240)); never verified.
      ev('c1', FIRM, 'CommitmentMade', { commitment_id: 'CN-WEB-HX-1', commitment_type: 'ApprovalSubstitute', matter: '食品经营许可',
        content: '申请人承诺符合食品经营许可条件', made_date: d(-300), deadline: d(65), accepting_agency: BODY }),
      // 容缺受理: the materials never came (lapsed), and the verification is overdue too.
      ev('c2', FIRM, 'CommitmentMade', { commitment_id: 'CN-WEB-HX-2', commitment_type: 'IncompleteAcceptance', matter: '营业执照变更登记',
        content: '申请人承诺二十日内补齐材料', made_date: d(-290), deadline: d(-270), accepting_agency: BODY }),
      // Due, not overdue.
      ev('c3', FIRM, 'CommitmentMade', { commitment_id: 'CN-WEB-HX-3', commitment_type: 'IncompleteAcceptance', matter: '户外广告设置许可',
        content: '申请人承诺三十日内补齐材料', made_date: d(-5), deadline: d(25), accepting_agency: BODY }),
    ]);
    await record(path.join(keys, 'market.key'), [
      ev('penalty', FIRM, 'PenaltyDecided', { decision_number: DECISION, subject_name: '青岛恒信泰商贸有限公司', category: '罚款',
        facts: '经营超过保质期的食品', basis: '《中华人民共和国食品安全法》第一百二十四条', content: '罚款人民币十五万元', fine_fen: 15000000,
        decision_date: d(-200), deciding_agency: MARKET, severity: 'Serious' }),
    ]);
    await record(path.join(keys, 'ndrc.key'), [
      ev('objection-penalty', FIRM, 'ObjectionFiled', { objection_id: 'YY-WEB-HX-1', notice_id: '', record_type: 'PenaltyDecided',
        record_id: DECISION, content: '当事人认为罚款过重', filed_date: d(-195) }),
      ev('objection-penalty-resolved', FIRM, 'ObjectionResolved', { objection_id: 'YY-WEB-HX-1', upheld: false,
        outcome: '经复核，处罚事实清楚，异议不成立', resolved_date: d(-186) }),
      ev('notice', FIRM, 'ListingNoticeIssued', { notice_id: 'GZ-WEB-HX', list: 'SeriousDishonesty', reason: '受到严重行政处罚',
        basis: '国办发〔2020〕49号', notice_date: d(-180), objection_deadline: d(-160), related: [DECISION] }),
      ev('listing', FIRM, 'SeriousListingDecided', { listing_id: 'YZSX-WEB-HX', notice_id: 'GZ-WEB-HX', basis: '国办发〔2020〕49号',
        decision_date: d(-150), term_end_date: '', exit_conditions: '履行处罚义务、作出信用承诺并满一年后可申请信用修复' }),
      // Handled by the commitment's accepting agency, and not in time.
      ev('objection-commitment', FIRM, 'ObjectionFiled', { objection_id: 'YY-WEB-HX-2', notice_id: '', record_type: 'CommitmentMade',
        record_id: 'CN-WEB-HX-1', content: '申请人认为承诺事项已履行，请求核查', filed_date: d(-60) }),
      // Filed yesterday: pending.
      ev('objection-listing', FIRM, 'ObjectionFiled', { objection_id: 'YY-WEB-HX-3', notice_id: '', record_type: 'SeriousListingDecided',
        record_id: 'YZSX-WEB-HX', content: '申请人认为列入依据不足', filed_date: d(-1) }),
    ]);
    // 联合奖惩反馈 is reported by the implementing department's own key: the finance bureau's,
    // registered for it by the root key.
    const feedback = path.join(tmp, 'finance-feedback.key');
    await cli(['keys', 'generate', '--out', feedback, '--name', 'finance-feedback']);
    await cli(['agencies', 'register', '--server', BASE, '--signer', path.join(data, 'keys', 'root.key'), '--agency-uscc', FINANCE,
      '--agency-name', '青岛市财政局', '--key-name', 'finance-feedback', '--key', feedback, '--types', 'MeasureApplied', '--jurisdiction', '3702']);
    await record(feedback, [
      ev('applied', FIRM, 'MeasureApplied', { feedback_id: 'FK-WEB-HX', measure: '限制参与政府采购', matter: TENDER,
        implemented_date: d(-30), implementing_agency: FINANCE, note: '投标资格审查未通过' }),
    ]);
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
  await recordFacts(today);
  fx = {
    today,
    profile: await api(`/v1/subjects/${FIRM}/profile`, INSPECTOR),
    measures: await api(`/v1/subjects/${FIRM}/measures`, INSPECTOR),
    procurement: await api(`/v1/subjects/${FIRM}/check?action=${encodeURIComponent('政府采购')}`, INSPECTOR),
    due: await api(`/v1/agencies/${BODY}/due-verifications`, INSPECTOR),
    board: (await api('/v1/integrity')).board,
  };
});

after(async () => { await browser?.close(); });

const open = (options = {}) => openPage(browser, options);

async function shot(page, name) {
  for (const dir of SHOTS) {
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, name), fullPage: true });
  }
}

const hashOf = (page) => decodeURIComponent(new URL(page.url()).hash);
const hrefs = (locator) => locator.evaluateAll((as) => as.map((a) => a.getAttribute('href')));

test('联合奖惩核查: a restricted action with each measure\'s basis, department, list, rule and entries; an allowed one; the read recorded', { timeout: 60000 }, async () => {
  const c = fx.procurement;
  assert.equal(c.decision, 'restricted', 'the listed firm is barred from government procurement');
  const { context, page } = await open({ token: INSPECTOR });
  await page.goto(`${BASE}/#/subject/${FIRM}`);
  await page.waitForSelector('.page-subject[data-view="full"]');
  assert.match(await page.locator('#check-card h2').innerText(), /联合奖惩核查/);
  // Offered: the scopes of the firm's measures and the common actions.
  const offered = await page.locator('#check-card .chip').allInnerTexts();
  for (const a of ['政府采购', '财政资金', '告知承诺', '评优评先', '监管抽查', ...fx.measures.measures.map((m) => m.scope)]) {
    assert.ok(offered.includes(a), `${a} offered among ${offered}`);
  }

  // Nothing asked of the server without an action.
  await page.locator('#check-button').click();
  assert.equal(await page.locator('#check-result').innerText(), '请填写拟办理事项');
  assert.ok(!page.requests.some((u) => u.includes('/check?')));

  await page.locator('#check-action').fill('政府采购');
  await page.locator('#check-button').click();
  await page.waitForSelector('#check-result[data-decision]');
  assert.equal(await page.locator('#check-result').getAttribute('data-decision'), 'restricted');
  assert.equal(await page.locator('#check-decision strong').innerText(), '限制');
  assert.match(await page.locator('#check-decision').innerText(), new RegExp(`截至 ${c.as_of}，“政府采购”受 ${c.restrictions.length} 项联合惩戒措施限制`));
  assert.ok(page.requests.some((u) => u.includes(`/v1/subjects/${FIRM}/check?action=政府采购`) && u.includes('purpose=supervision')), 'the check names the purpose');
  assert.equal(hashOf(page), `#/subject/${FIRM}?action=政府采购`);
  const items = page.locator('#check-restrictions > li');
  assert.equal(await items.count(), c.restrictions.length);
  for (const [i, r] of c.restrictions.entries()) {
    const li = items.nth(i);
    const text = await li.innerText();
    for (const part of [r.measure, r.basis, r.department, '严重失信主体名单', r.rule_name, r.until ? `${r.since} 起，至 ${r.until}` : `${r.since} 起`]) {
      assert.ok(text.includes(part), `restriction ${r.measure}: "${part}" in\n${text}`);
    }
    for (const word of ['依据', '实施部门', '名单', '规则']) assert.ok(text.includes(word), `${word} labelled`);
    assert.equal(await li.locator('.rule').getAttribute('title'), r.rule);
    assert.deepEqual(await hrefs(li.locator('a.seq')), r.seqs.map((seq) => `#/entry/${seq}`));
  }
  await page.assertChinese('the check');
  await shot(page, 'console-check.png');

  // Kept in the address: a reload checks again.
  await page.reload();
  await page.waitForSelector('#check-result[data-decision="restricted"]');
  assert.equal(await page.locator('#check-action').inputValue(), '政府采购');

  // An action no measure restricts.
  await page.locator('#check-action').fill('容缺受理');
  await page.locator('#check-action').press('Enter');
  await page.waitForSelector('#check-result[data-action="容缺受理"]');
  assert.equal(await page.locator('#check-result').getAttribute('data-decision'), 'allowed');
  assert.equal(await page.locator('#check-decision strong').innerText(), '无限制');
  assert.match(await page.locator('#check-decision').innerText(), /没有限制“容缺受理”的联合惩戒措施/);
  assert.equal(await page.locator('#check-restrictions').count(), 0);
  // A chip checks its action at once.
  await page.locator('#check-card .chip[data-action="评优评先"]').click();
  await page.waitForSelector('#check-result[data-action="评优评先"][data-decision="restricted"]');
  page.assertNoErrors();
  await context.close();

  // The public is not offered the check; personnel neither (the route is for supervisors).
  const pub = await open();
  await pub.page.goto(`${BASE}/#/subject/${FIRM}?action=政府采购`);
  await pub.page.waitForSelector('.page-subject[data-view="public"]');
  assert.equal(await pub.page.locator('#check-card').count(), 0);
  assert.ok(!pub.page.requests.some((u) => u.includes('/check?')));
  await pub.context.close();

  // The auditor's 查询记录 names the read.
  for (let i = 0; i < 50; i++) {
    const log = await api(`/v1/subjects/${FIRM}/access-log?purpose=audit`, AUDITOR);
    if (log.access.some((r) => r.route.endsWith('/check'))) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const aud = await open({ token: AUDITOR });
  await aud.page.goto(`${BASE}/#/access/${FIRM}`);
  await aud.page.waitForSelector('#access-table');
  assert.ok(await aud.page.locator('#access-table [title="GET /v1/subjects/{id}/check"]', { hasText: '联合奖惩核查' }).count() > 0);
  aud.page.assertNoErrors();
  await aud.context.close();
});

test('subject: measures with basis, department and 实施反馈; commitments with their verification; objections with deadlines and states', { timeout: 60000 }, async () => {
  const p = fx.profile;
  const { context, page } = await open({ token: INSPECTOR });
  await page.goto(`${BASE}/#/subject/${FIRM}`);
  await page.waitForSelector('.page-subject[data-view="full"]');

  // Each measure with its basis and department; the one applied with its feedback.
  for (const m of fx.measures.measures) {
    const li = page.locator(`#measures > li[data-measure="${m.measure}"][data-list="${m.list}"]`);
    const text = await li.innerText();
    assert.ok(text.includes(`依据：${m.basis}；实施部门：${m.department}`), text);
    assert.equal(await li.locator('.applied').count(), m.applied.length ? 1 : 0, `${m.measure}: 实施反馈 shown when applied`);
  }
  const applied = p.measures_applied[0];
  assert.ok(applied, 'the tender refused is in the profile');
  const feedback = page.locator('#measures > li[data-measure="限制参与政府采购"] .applied');
  const feedbackText = await feedback.innerText();
  assert.match(feedbackText, /实施反馈/);
  assert.ok(feedbackText.includes(`${applied.implemented || applied.applied} 对“${TENDER}”实施`), feedbackText);
  assert.ok(feedbackText.includes(FINANCE));
  assert.deepEqual(await hrefs(feedback.locator('a.seq')), applied.seqs.map((seq) => `#/entry/${seq}`));

  // Commitments: the verification owed, and the 容缺受理 whose materials did not come.
  const row = (id) => page.locator('#commitments tbody tr', { hasText: id });
  for (const c of p.commitments) {
    const text = await row(c.id).innerText();
    const words = { due: '待核查', overdue: '核查逾期', done: '已核查', done_late: '逾期后核查' }[c.verification];
    assert.ok(text.includes(words) && text.includes(`期限 ${c.verify_by}`), `${c.id}: ${text}`);
    if (c.lapsed_on) assert.ok(text.includes(`违诺`) && text.includes(`${c.lapsed_on} 起，容缺材料逾期未补齐`), `${c.id}: ${text}`);
  }
  assert.ok(p.commitments.some((c) => c.lapsed_on) && p.commitments.some((c) => c.verification === 'overdue'));
  assert.equal(await page.locator('#commitments th').nth(6).innerText(), '核查');

  // Objections: what each is to, its last day and its state.
  const objections = page.locator('#objections tbody tr');
  assert.equal(await objections.count(), p.objections.length);
  const states = { pending: '待处理', overdue: '逾期未处理', upheld: '异议成立', rejected: '异议不成立' };
  const to = { PenaltyDecided: '行政处罚', CommitmentMade: '信用承诺', SeriousListingDecided: '严重失信名单认定' };
  for (const o of p.objections) {
    const text = await page.locator('#objections tbody tr', { hasText: o.id }).innerText();
    for (const part of [states[o.state], `${to[o.record_type]} ${o.record_id}`, o.filed, o.due_by, o.handling_agency]) {
      assert.ok(text.includes(part), `${o.id}: "${part}" in ${text}`);
    }
    if (o.resolved) assert.ok(text.includes(`${o.resolved} 办结`), text);
  }
  assert.deepEqual(new Set(p.objections.map((o) => o.state)), new Set(['rejected', 'overdue', 'pending']));
  assert.match(await page.locator('section:has(#objections) h2').innerText(), /异议/);
  await page.assertChinese('the subject page');

  // An overdue verification opens the accepting agency's 待核查 list.
  await row('CN-WEB-HX-1').locator('.verification a').click();
  await page.waitForSelector('#due-table');
  assert.equal(hashOf(page), `#/due-verifications?agency=${BODY}`);
  page.assertNoErrors();
  await context.close();
});

test('待核查: from the navigation, an agency\'s list as of a date, overdue first and marked, each row opening its subject and entries', { timeout: 60000 }, async () => {
  const due = fx.due;
  assert.ok(due.overdue >= 1 && due.due > due.overdue, 'overdue and due verifications');
  // Not offered to the public.
  const pub = await open();
  await pub.page.goto(`${BASE}/#/search`);
  await pub.page.waitForSelector('#search-input');
  assert.equal(await pub.page.locator('#nav a[data-page="due-verifications"]').isVisible(), false);
  await pub.context.close();

  const { context, page } = await open({ token: INSPECTOR });
  await page.goto(`${BASE}/#/search`);
  await page.waitForSelector('#role-badge[data-role="inspector"]');
  const nav = page.locator('#nav a[data-page="due-verifications"]');
  assert.equal(await nav.innerText(), '待核查');
  await nav.click();
  await page.waitForSelector('#due-form');
  assert.equal(await page.locator('h1').innerText(), '待核查');
  assert.equal(await page.locator('#due-empty').innerText(), '请输入受理机构的统一社会信用代码');
  assert.equal(await nav.getAttribute('aria-current'), 'page');

  // Not a code: said beside the box, nothing asked.
  await page.locator('#agency').fill('1137020');
  await page.locator('#agency').press('Enter');
  assert.match(await page.locator('#agency-error').innerText(), /不是统一社会信用代码/);
  assert.ok(!page.requests.some((u) => u.includes('/v1/agencies/')));

  await page.locator('#agency').fill(BODY);
  await page.locator('#due-submit').click();
  await page.waitForSelector('#due-table');
  assert.equal(hashOf(page), `#/due-verifications?agency=${BODY}`);
  assert.ok(page.requests.some((u) => u.includes(`/v1/agencies/${BODY}/due-verifications`) && u.includes('purpose=supervision')));
  assert.match(await page.locator('#main h2').innerText(), /青岛市市南区行政审批服务局/);
  assert.equal(await page.locator('#due-summary').innerText(), `截至 ${due.as_of}，待核查 ${due.due} 件，其中逾期 ${due.overdue} 件`);
  const rows = page.locator('#due-table tbody tr');
  assert.equal(await rows.count(), due.verifications.length);
  assert.equal(await page.locator('#due-table tbody tr.overdue').count(), due.overdue);
  for (const [i, v] of due.verifications.entries()) {
    const r = rows.nth(i);
    const text = await r.innerText();
    for (const part of [v.verify_by, v.overdue ? `逾期 ${-v.days_left} 天` : `剩余 ${v.days_left} 天`, v.name, v.subject, v.commitment_id, v.matter, v.made]) {
      assert.ok(text.includes(part), `row ${i}: "${part}" in ${text}`);
    }
    assert.equal(await r.evaluate((tr) => tr.classList.contains('overdue')), v.overdue);
    assert.deepEqual(await hrefs(r.locator('a.seq')), v.seqs.map((seq) => `#/entry/${seq}`));
    assert.deepEqual(await hrefs(r.locator('a[href^="#/subject/"]')), [`#/subject/${v.subject}`]);
  }
  // Overdue first, and marked.
  assert.deepEqual(due.verifications.map((v) => v.overdue), [...due.verifications.map((v) => v.overdue)].sort((a, b) => b - a));
  const mark = await page.locator('#due-table tbody tr.overdue td').first().evaluate((td) => getComputedStyle(td).boxShadow);
  assert.notEqual(mark, 'none', 'an overdue row is marked');
  await page.assertChinese('the 待核查 list');
  await shot(page, 'console-due-verifications.png');

  // As of an earlier day: the list that day.
  const early = addDays(fx.today, -250);
  const then = await api(`/v1/agencies/${BODY}/due-verifications?as_of=${early}`, INSPECTOR);
  await page.locator('#as-of').fill(early);
  await page.locator('#as-of').press('Enter');
  await page.waitForSelector(`.page-due-verifications[data-as-of="${early}"]`);
  assert.equal(hashOf(page), `#/due-verifications?agency=${BODY}&as_of=${early}`);
  assert.equal(await page.locator('#due-summary').innerText(), `截至 ${early}，待核查 ${then.due} 件，其中逾期 ${then.overdue} 件`);
  assert.equal(await page.locator('#due-table tbody tr').count(), then.verifications.length);

  // A row opens its subject; the navigation returns to the agency's list.
  await page.locator('#due-table tbody tr').first().locator('a[href^="#/subject/"]').click();
  await page.waitForSelector('.page-subject[data-view="full"]');
  assert.equal(hashOf(page), `#/subject/${FIRM}?as_of=${early}`);
  await nav.click();
  await page.waitForSelector('#due-table');
  assert.equal(await page.locator('#agency').inputValue(), BODY);
  page.assertNoErrors();
  await context.close();
});

test('integrity board: each body\'s duties let pass, by rule name and count', { timeout: 60000 }, async () => {
  const row = fx.board.find((b) => b.subject === BODY);
  assert.ok(row && row.failures.length === 2, `${BODY} let two kinds of duty pass: ${JSON.stringify(row?.failures)}`);
  const pageNo = Math.ceil(row.rank / 20);
  for (const token of ['', INSPECTOR]) {
    const { context, page } = await open({ token });
    await page.goto(`${BASE}/#/integrity${pageNo > 1 ? `?page=${pageNo}` : ''}`);
    await page.waitForSelector('#board-table');
    assert.equal(await page.locator('#board-table thead th').nth(7).innerText(), '履职逾期');
    const cell = page.locator(`#board-table tr[data-subject="${BODY}"] td.failures`);
    const failures = cell.locator('.failure');
    assert.equal(await failures.count(), row.failures.length);
    for (const [i, f] of row.failures.entries()) {
      assert.equal((await failures.nth(i).innerText()).trim(), `${f.rule_name} ${f.count} 件`);
      assert.equal(await failures.nth(i).locator('.rule').getAttribute('title'), f.rule);
    }
    assert.ok(row.failures.some((f) => f.rule_name === '政务诚信：承诺核查逾期（谁审批谁监管）'));
    assert.ok(row.failures.some((f) => f.rule_name === '政务诚信：异议处理逾期'));
    // A body with none says so.
    const clean = fx.board.find((b) => !b.failures.length && Math.ceil(b.rank / 20) === pageNo);
    if (clean) assert.equal(await page.locator(`#board-table tr[data-subject="${clean.subject}"] td.failures`).innerText(), '无');
    // For inspectors an overdue verification opens the body's 待核查 list.
    const link = cell.locator('.failure[data-rule="integrity.verification_overdue"] a');
    assert.equal(await link.count(), token ? 1 : 0);
    if (token) {
      await link.click();
      await page.waitForSelector('#due-table');
      assert.equal(hashOf(page), `#/due-verifications?agency=${BODY}`);
    }
    page.assertNoErrors();
    await context.close();
  }
});
