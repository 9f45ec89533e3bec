// Browser tests of 报告核验 (#/report-verify, docs/reports.md): a credit report verified in the
// browser with Web Crypto, without asking the office.
//
// With the binary scripts/web-test names (CREDITLOG_BIN) the test makes a ledger of its own
// (`init`, `demo --subjects 30`, and one enterprise fined and put on the serious-dishonesty
// list), issues that enterprise's report (`creditlog report … --out report.pdf`, which writes
// report.pdf and report.report.json) and serves the ledger. Then, as the public:
//   - the genuine report file: checks 1–6 all pass in order (4 and 5 reading the entries' bytes
//     with web/entry-reader.js), the verdict is 已核验, check 7 is left to creditlog
//     verify-report, and the report's facts are shown as verified; the same for the report the
//     server gives (GET /v1/subjects/{id}/report?format=json);
//   - a tampered copy per part — a fact in facts_text, an entry's bytes in a proof, a hash of a
//     proof, the checkpoint's root line, the statement's text, the ruleset's entry or the
//     subject's first entry swapped for another entry's valid proof (`creditlog entry` and
//     `prove inclusion`) — fails, and the first failure is the check concerned; another
//     ledger's key pasted fails check 1;
//   - the QR code's address (?s=, the statement) on a phone (390 px): the signature checked and
//     what the office signed shown; a tampered statement is a red failure.
// No English word on the Chinese screens; screenshots into SCREENSHOT_DIRS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { launch, openPage } from './console.mjs';
import { cli, makeLedger, serve, removeLedger, shot, overflow, uscc, todayCST } from './own-server.mjs';

const SUBJECT = { id: uscc('91370202MA7QK3P1'), name: '青岛海润冷链物流有限公司' };
const CHECK_IDS = ['statement', 'checkpoint', 'consistent', 'proofs', 'stream', 'facts', 'recompute'];

let ledger;
let server;
let browser;
let asOf;
let reportPath;   // the report file the CLI wrote
let report;       // …parsed
let vkey;         // the log's verifier key
let otherKey;     // another ledger's key, with the same origin
let swaps;        // proofs of other entries in the same tree, and where they go (makeSwaps)

before(async () => {
  ledger = await makeLedger('report', { subjects: 30, serious: [SUBJECT] });
  asOf = todayCST();
  const pdf = path.join(ledger.tmp, 'report.pdf');
  await cli(['report', '--data', ledger.data, '--subject', SUBJECT.id, '--as-of', asOf, '--purpose', 'bidding', '--out', pdf]);
  assert.equal((await readFile(pdf)).subarray(0, 5).toString(), '%PDF-', 'report writes the PDF');
  reportPath = path.join(ledger.tmp, 'report.report.json');
  report = JSON.parse(await readFile(reportPath, 'utf8'));
  vkey = (await cli(['verifier-key', '--data', ledger.data])).trim();
  const other = path.join(ledger.tmp, 'other');
  await cli(['init', '--data', other, '--origin', 'report.test.example/log']);
  otherKey = (await cli(['verifier-key', '--data', other])).trim();
  swaps = await makeSwaps();
  server = await serve(ledger, 'report');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await removeLedger(ledger);
});

// The tlog-proof of entry `seq` in the report's checkpoint, made with the CLI: a valid proof of
// another entry than the report's.
async function proofFor(seq) {
  const size = Number(report.checkpoint.split('\n')[1]);
  const entry = (await cli(['entry', '--data', ledger.data, '--seq', String(seq)])).trim();
  const hashes = (await cli(['prove', 'inclusion', '--data', ledger.data, '--seq', String(seq), '--size', String(size)])).split('\n').filter(Boolean);
  return `c2sp.org/tlog-proof@v1\nextra ${entry}\nindex ${seq}\n${hashes.join('\n')}\n\n${report.checkpoint}`;
}

// Before the server holds the ledger: the report's entries as the CLI reads them, and for the
// ruleset's entries and the subject's first entry the proof of a neighbouring entry the report
// does not carry (between the proofs before and after, so the order holds).
async function makeSwaps() {
  const seqs = report.proofs.map((p) => Number(/^index (\d+)$/m.exec(p)[1]));
  assert.equal(await proofFor(seqs[0]), report.proofs[0], 'proofFor makes the proofs the report has');
  const read = async (seq) => JSON.parse(await cli(['entry', '--data', ledger.data, '--seq', String(seq), '--json']));
  const entries = [];
  for (const seq of seqs) entries.push(await read(seq));
  const neighbour = async (i, unlike) => {
    for (const seq of [seqs[i] - 1, seqs[i] + 1]) {
      if (seq <= (seqs[i - 1] ?? -1) || seq >= (seqs[i + 1] ?? Number(report.checkpoint.split('\n')[1]))) continue;
      if (!unlike(await read(seq))) return { at: i, proof: await proofFor(seq) };
    }
    assert.fail(`no entry beside seq ${seqs[i]} to swap it for`);
  };
  const isRuleset = (e) => e.event.body_type === 'RulesetAdopted';
  const rulesets = entries.flatMap((e, i) => (isRuleset(e) ? [i] : []));
  assert.ok(rulesets.length > 0, 'the report carries a ruleset entry');
  const subject = entries.filter((e) => e.event.subject === SUBJECT.id);
  assert.deepEqual(subject.map((e) => e.stream_version), subject.map((_, i) => i + 1), 'the subject\'s entries, versions 1, 2, …');
  const ruleset = [];
  for (const i of rulesets) ruleset.push(await neighbour(i, isRuleset));
  // {ruleset: [{at, proof}], first: {at, proof}, second: the seq of the subject's version 2}
  return { ruleset, first: await neighbour(entries.indexOf(subject[0]), (e) => e.event.subject === SUBJECT.id), second: subject[1].seq };
}

// The statement's "key value" lines.
function statementFields(note) {
  const lines = note.slice(0, note.indexOf('\n\n')).split('\n');
  return Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
}

async function open({ width = 1366, qr = null } = {}) {
  const { context, page } = await openPage(browser, { width, mobile: width < 600 });
  await page.goto(`${server.base}/#/report-verify${qr === null ? '' : `?s=${qr}`}`);
  await page.waitForSelector('main [data-ready="true"]');
  return { context, page };
}

// What the page says of the report file: the verdict, the first failure, the checks' states.
async function readResult(page) {
  return {
    verdict: await page.locator('#verdict').getAttribute('data-state'),
    first: await page.locator('#verdict').getAttribute('data-first'),
    text: await page.locator('#verdict').innerText(),
    states: await page.locator('#checks > li').evaluateAll((lis) => lis.map((li) => [li.dataset.check, li.dataset.state])),
  };
}

// Chooses the report file (a name not chosen just before) and waits for its verdict.
async function verify(page, file) {
  await page.setInputFiles('#report-file', file);
  await page.waitForFunction((n) => document.querySelector('#report-file-name')?.textContent.includes(n) &&
    document.querySelector('#verdict[data-state]'), path.basename(file));
  return readResult(page);
}

// A copy of the report with `change` made to it, written beside the genuine one.
async function tampered(name, change) {
  const copy = JSON.parse(JSON.stringify(report));
  change(copy);
  const file = path.join(ledger.tmp, `${name}.report.json`);
  await writeFile(file, JSON.stringify(copy));
  return file;
}

// Flips a bit of the base64 `b64` (byte `at`).
function flip(b64, at = 0) {
  const bytes = Buffer.from(b64, 'base64');
  bytes[at] ^= 0x01;
  return bytes.toString('base64');
}

// Checks 1–6 all passed, check 7 is creditlog verify-report's: the verdict is 已核验.
function assertGenuine(result, what) {
  const states = Object.fromEntries(result.states);
  assert.deepEqual(result.states.map(([id]) => id), CHECK_IDS, `${what}: the checks in order (no witness policy here)`);
  for (const id of CHECK_IDS.slice(0, 6)) assert.equal(states[id], 'ok', `${what}: ${id}`);
  assert.equal(states.recompute, 'info');
  assert.equal(result.verdict, 'ok', `${what}: ${result.text}`);
  assert.equal(result.first, null);
}

test('报告核验: a genuine report file passes checks 1–6 and its facts are shown', { timeout: 90000 }, async () => {
  assert.equal(report.format, 'creditlog.report/v1');
  const st = statementFields(report.statement);
  assert.equal(st.subject, SUBJECT.id);
  assert.equal(st['as-of'], asOf);
  assert.equal(st.purpose, '招投标');

  const { context, page } = await open();
  assert.ok(page.requests.some((u) => u.endsWith('/v1/verifier-key')), 'the page reads the server\'s key');
  assert.equal(await page.locator('#vkey-used').getAttribute('data-key'), vkey);
  assert.equal(await page.locator('#vkey-used').getAttribute('data-custom'), 'false');
  assert.equal(await page.locator('#statement-card').count(), 0, 'no statement card without ?s=');

  const result = await verify(page, reportPath);
  assertGenuine(result, 'the CLI\'s report');
  assert.equal(result.text, '✓ 报告已核验：第 1–6 项检查全部通过');
  const titles = await page.locator('#checks > li strong').allInnerTexts();
  assert.deepEqual(titles, ['1. 报告声明签名', '2. 检查点签名', '3. 检查点与声明一致', `4. 每条记录的包含证明（${report.proofs.length} 条）`,
    `5. 主体记录连续（版本 1–${st['stream-length']}）`, '6. 事实摘要', '7. 按规则复算事实']);
  assert.equal(report.proofs.length, Number(st.entries));
  assert.equal(await page.locator('#checks li[data-check="recompute"] .detail').innerText(), '由 creditlog verify-report 复算（浏览器不复算规则）');
  const details = Object.fromEntries(await page.locator('#checks > li').evaluateAll((lis) => lis.map((li) => [li.dataset.check, li.querySelector('.detail').innerText])));
  const cpLines = report.checkpoint.split('\n');
  assert.ok(details.consistent.includes(`大小 ${cpLines[1]}`) && details.consistent.includes(cpLines[2]), details.consistent);
  assert.ok(details.facts.includes(st.facts), details.facts);
  assert.ok(details.proofs.includes('条目字节均可解析且序号与位置一致'), details.proofs);
  assert.equal(details.stream, `主体的流版本 1–${st['stream-length']} 齐全无缺，并附有采用规则集的条目`);

  // The facts, as the file has them, under a banner that says they are verified.
  const facts = report.facts;
  assert.equal(await page.locator('#facts-banner').getAttribute('data-state'), 'ok');
  assert.equal(await page.locator('#facts-banner').innerText(), '以下内容已核验：与信用办签名的声明和账本记录一致。');
  const field = (k) => page.locator(`#report-identity dd[data-field="${k}"]`).innerText();
  assert.equal(await field('number'), st.number);
  assert.equal(report.number, st.number);
  assert.equal(await field('name'), SUBJECT.name);
  assert.equal(facts.subject.name, SUBJECT.name);
  assert.equal(await field('subject'), SUBJECT.id);
  assert.equal(await field('as-of'), asOf);
  assert.equal(await field('purpose'), '招投标');
  assert.equal(facts.grade.grade, 'D', 'on the serious-dishonesty list');
  assert.equal(await page.locator('#report-grade .grade').innerText(), 'D');
  assert.ok((await page.locator('#report-grade').innerText()).includes(facts.grade.reason));
  assert.deepEqual(facts.sections.map((s) => s.key), ['penalties', 'lists', 'commitments', 'contracts', 'measures']);
  for (const s of facts.sections) {
    const section = page.locator(`#report-section-${s.key}`);
    assert.equal(await section.locator('h3').innerText(), `${s.title} ${s.items.length} 项`);
    assert.deepEqual(await section.locator('.report-items > li .item-head strong').allInnerTexts(), s.items.map((i) => i.title), s.key);
    if (!s.items.length) assert.equal(await section.locator('p').innerText(), '无');
  }
  const penalties = facts.sections.find((s) => s.key === 'penalties').items;
  assert.ok(penalties.some((i) => i.title.startsWith('青市监罚')), 'the penalty recorded');
  assert.ok(facts.sections.find((s) => s.key === 'lists').items.some((i) => i.title.includes('严重失信')), 'the listing');
  assert.ok(facts.sections.find((s) => s.key === 'measures').items.length > 0, 'the measures of the listing');
  await page.assertChinese('a genuine report verified');
  await shot(page.locator('#main'), 'console-report-verify.png');

  // The report the server issues (format=json) verifies the same way.
  const res = await fetch(`${server.base}/v1/subjects/${SUBJECT.id}/report?as_of=${asOf}&format=json&purpose=bidding`,
    { headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(res.status, 200, `GET …/report: HTTP ${res.status}`);
  const served = path.join(ledger.tmp, 'served.report.json');
  await writeFile(served, Buffer.from(await res.arrayBuffer()));
  assertGenuine(await verify(page, served), 'the server\'s report');
  assert.equal(await field('subject'), SUBJECT.id);

  // In English, the same checks in English words.
  await page.evaluate(() => localStorage.setItem('creditlog.lang', 'en'));
  await page.reload();
  await page.waitForSelector('main [data-ready="true"]');
  await verify(page, reportPath);
  assert.equal(await page.locator('#checks li[data-check="statement"] strong').innerText(), '1. Report statement signature');
  page.assertNoErrors();
  await context.close();
});

test('报告核验: a tampered copy fails, and the first failure is the check concerned', { timeout: 120000 }, async () => {
  const st = statementFields(report.statement);
  // A proof with hashes, in the middle of the file.
  const middle = Math.floor(report.proofs.length / 2);
  const cases = [
    ['fact', 'a fact in facts_text', 'facts', (r) => {
      const changed = r.facts_text.replace(SUBJECT.name, '青岛海润冷链物流股份有限公司');
      assert.notEqual(changed, r.facts_text);
      r.facts_text = changed;
      r.facts = JSON.parse(changed);
    }],
    ['entry', 'an entry\'s bytes in a proof', 'proofs', (r) => {
      r.proofs[middle] = r.proofs[middle].replace(/^extra (.*)$/m, (_, b64) => `extra ${flip(b64, 12)}`);
    }],
    ['proof-hash', 'a hash of an inclusion proof', 'proofs', (r) => {
      const lines = r.proofs[middle].split('\n');
      const at = lines.findIndex((l) => l.startsWith('index ')) + 1;
      assert.ok(lines[at], 'the proof has a hash');
      lines[at] = flip(lines[at], 31);
      r.proofs[middle] = lines.join('\n');
    }],
    ['root', 'the checkpoint\'s root line', 'checkpoint', (r) => {
      const lines = r.checkpoint.split('\n');
      lines[2] = flip(lines[2]);
      r.checkpoint = lines.join('\n');
    }],
    ['statement', 'the statement\'s text', 'statement', (r) => {
      r.statement = r.statement.replace(`\ngrade ${st.grade}\n`, '\ngrade A\n');
      assert.notEqual(r.statement, report.statement);
    }],
    ['ruleset', 'the ruleset\'s entry swapped for another entry in the tree', 'stream', (r) => {
      for (const { at, proof } of swaps.ruleset) r.proofs[at] = proof;
    }],
    ['gap', 'the subject\'s first entry swapped for another entry in the tree', 'stream', (r) => {
      r.proofs[swaps.first.at] = swaps.first.proof;
    }],
  ];
  const { context, page } = await open();
  for (const [name, what, expected, change] of cases) {
    const result = await verify(page, await tampered(name, change));
    const states = Object.fromEntries(result.states);
    assert.equal(result.verdict, 'bad', `${what}: ${result.text}`);
    assert.equal(result.first, expected, `${what}: the first failure (${JSON.stringify(result.states)})`);
    assert.equal(await page.locator('#checks li[data-first="true"]').getAttribute('data-check'), expected);
    assert.equal(states[expected], 'bad');
    // Every check before it passed.
    for (const id of CHECK_IDS.slice(0, CHECK_IDS.indexOf(expected))) assert.equal(states[id], 'ok', `${what}: ${id}`);
    const step = CHECK_IDS.indexOf(expected) + 1;
    const title = (await page.locator(`#checks li[data-check="${expected}"] strong`).innerText()).replace(/^\d+\. /, '');
    assert.ok(result.text.startsWith(`✗ 核验未通过：第 ${step} 项“${title}”不成立`), `${what}: ${result.text}`);
    assert.equal(await page.locator('#facts-banner').getAttribute('data-state'), 'bad');
    assert.ok((await page.locator('#facts-banner').innerText()).startsWith('警告'), what);
    if (name === 'root') {
      assert.equal(states.consistent, 'bad', 'the root is not the statement\'s');
      assert.equal(states.proofs, 'bad', 'the proofs\' checkpoint is not the file\'s');
    }
    if (name === 'fact') assert.ok((await page.locator('#checks li[data-check="facts"] .detail').innerText()).includes(st.facts));
    if (name === 'entry' || name === 'proof-hash') assert.equal(states.stream, 'unchecked', 'check 5 is not run on entries check 4 refused');
    const streamDetail = () => page.locator('#checks li[data-check="stream"] .detail').innerText();
    if (name === 'ruleset') assert.equal(await streamDetail(), '所附条目中没有采用规则集的条目');
    if (name === 'gap') assert.equal(await streamDetail(), `主体序号 ${swaps.second} 的条目为流版本 2，应为 1：缺少条目`);
    await page.assertChinese(`a report with ${what} changed`);
    if (name === 'entry') await shot(page.locator('#report-checks'), 'console-report-verify-failed.png');
  }

  // Another ledger's key, pasted: the statement is not signed by it. Back to the server's key:
  // verified again.
  await page.locator('.vkey-other summary').click();
  await page.fill('#vkey-input', otherKey);
  await page.click('#vkey-use');
  await page.waitForFunction((k) => document.querySelector('#vkey-used')?.dataset.key === k, otherKey);
  assert.equal(await page.locator('#vkey-used').getAttribute('data-custom'), 'true');
  const withOther = await verify(page, reportPath);
  assert.equal(withOther.first, 'statement');
  assert.equal(Object.fromEntries(withOther.states).checkpoint, 'bad');
  assert.ok((await page.locator('#checks li[data-check="statement"] .detail').innerText()).includes(otherKey.split('+').slice(0, 2).join('+')));
  // The file chosen is verified again with the key.
  await page.click('#vkey-reset');
  await page.waitForFunction((k) => document.querySelector('#vkey-used')?.dataset.key === k &&
    document.querySelector('#verdict')?.dataset.state === 'ok', vkey);
  assertGenuine(await readResult(page), 'the server\'s key again');
  page.assertNoErrors();
  await context.close();
});

test('报告核验: the QR code (?s=) on a phone: the statement\'s signature and what the office signed', { timeout: 90000 }, async () => {
  const st = statementFields(report.statement);
  const qr = Buffer.from(report.statement, 'utf8').toString('base64url');
  const { context, page } = await open({ width: 390, qr });
  await page.waitForSelector('#statement-verdict[data-ok]');
  assert.equal(await page.locator('#statement-verdict').getAttribute('data-ok'), 'true', await page.locator('#statement-verdict').innerText());
  assert.ok((await page.locator('#statement-verdict').innerText()).startsWith('✓ 声明签名有效'));
  const dd = (k) => page.locator(`#statement-fields dd[data-field="${k}"]`).innerText();
  assert.equal(await dd('number'), st.number);
  assert.equal(await dd('subject'), st.subject);
  assert.equal(await dd('as-of'), st['as-of']);
  assert.ok((await dd('grade')).startsWith(`${st.grade} `));
  assert.equal(await dd('facts'), st.facts);
  assert.equal(await dd('checkpoint'), st.checkpoint.split(' ')[0]);
  assert.equal(await dd('issued'), st.issued);
  assert.ok((await page.locator('#statement-compare').innerText()).includes('事实摘要'));
  assert.deepEqual(await overflow(page, 390), [], 'nothing wider than the phone');
  await page.assertChinese('a scanned statement');
  await shot(page.locator('#statement-card'), 'console-report-qr-390.png');

  // The file too, on the phone: the statement is the one scanned.
  const result = await verify(page, reportPath);
  assertGenuine(result, 'on a phone');
  assert.equal(await page.locator('#qr-match').getAttribute('data-same'), 'true');
  assert.deepEqual(await overflow(page, 390), [], 'the checks and facts on the phone');
  page.assertNoErrors();
  await context.close();

  // A tampered statement: a clear red failure, what it says struck through.
  const forged = Buffer.from(report.statement.replace(`\ngrade ${st.grade}\n`, '\ngrade A\n'), 'utf8').toString('base64url');
  const bad = await open({ width: 390, qr: forged });
  await bad.page.waitForSelector('#statement-verdict[data-ok]');
  assert.equal(await bad.page.locator('#statement-verdict').getAttribute('data-ok'), 'false');
  assert.equal(await bad.page.locator('#statement-verdict').evaluate((el) => el.classList.contains('bad')), true);
  assert.ok((await bad.page.locator('#statement-verdict').innerText()).startsWith('✗ 声明签名无效'));
  assert.equal(await bad.page.locator('#statement-verdict').evaluate((el) => getComputedStyle(el).color), 'rgb(179, 38, 30)', 'red');
  assert.equal(await bad.page.locator('#statement-fields dd[data-field="grade"]').evaluate((el) => getComputedStyle(el).textDecorationLine), 'line-through');
  assert.ok((await bad.page.locator('#statement-compare').innerText()).includes('未经验证'));
  assert.deepEqual(await overflow(bad.page, 390), []);
  await bad.page.assertChinese('a forged statement');
  await shot(bad.page.locator('#statement-card'), 'console-report-qr-bad-390.png');
  bad.page.assertNoErrors();
  await bad.context.close();

  // Not a statement at all.
  const junk = await open({ width: 390, qr: 'bm90IGEgbm90ZQ' });
  await junk.page.waitForSelector('#statement-verdict[data-ok]');
  assert.equal(await junk.page.locator('#statement-verdict').getAttribute('data-ok'), 'false');
  await junk.page.assertChinese('a QR code that is not a statement');
  junk.page.assertNoErrors();
  await junk.context.close();
});
