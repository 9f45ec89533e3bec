// Browser tests of 批量核查 (#/check-list): an inspector checks a list of subjects at once.
//
// With the binary scripts/web-test names (CREDITLOG_BIN) the test makes a ledger of its own
// (`init`, `demo --subjects 30`, two enterprises fined and put on the serious-dishonesty list)
// and serves it. An inspector pastes a list — the serious ones (from `creditlog list
// SeriousDishonesty --json`), enterprises of the demo, one by name, and a code nobody has — six
// times over, so that it goes to the server in two chunks (50 lines, then the rest), and
// presses 核查. Expected values come from POST /v1/check-list itself: a row per line with the
// subject, its grade, its lists (严重失信主体名单 in red) and measures, and the miss's error; the
// CSV download (BOM, header, every row); the zip of reports (POST /v1/reports with the subjects
// found, a file starting with PK). Then: a .csv file uploaded fills the list; cancelling between
// chunks keeps what was checked; on a phone the rows are cards, nothing wider than the screen;
// the public is not offered the page. No English word on the Chinese screens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { launch, openPage } from './console.mjs';
import { cli, makeLedger, serve, removeLedger, shot, overflow, uscc, todayCST } from './own-server.mjs';

const SERIOUS = [
  { id: uscc('91370202MA7QK3P1'), name: '青岛海润冷链物流有限公司' },
  { id: uscc('91370212MA8WX5N2'), name: '青岛崂峰建材有限公司' },
];
const UNKNOWN = uscc('91370202MA0PNK4Q');
const PURPOSE = 'bidding';
const HEADER = ['序号', '输入', '是否找到', '主体名称', '统一社会信用代码', '主体类型', '区划', '信用等级', '名单', '适用措施', '说明'];

let ledger;
let server;
let browser;
let serious;   // the serious-dishonesty list's subjects, as `creditlog list` says
let lines;     // the list pasted
let named;     // the subject given by its name: {subject, name}
let asOf;

before(async () => {
  ledger = await makeLedger('checklist', { subjects: 30, serious: SERIOUS });
  serious = JSON.parse(await cli(['list', 'SeriousDishonesty', '--data', ledger.data, '--json'])).entries.map((e) => e.subject);
  assert.deepEqual([...serious].sort(), SERIOUS.map((s) => s.id).sort(), 'the two recorded are the list');
  server = await serve(ledger, 'checklist');
  browser = await launch();
  // Enterprises of the demo, not on the list: five by code, one by its name (a name no other has).
  const hits = (await (await fetch(`${server.base}/v1/search?q=9137`)).json()).results
    .filter((r) => r.kind === 'Enterprise' && !serious.includes(r.subject));
  const names = hits.map((r) => r.name);
  const unique = hits.filter((r) => names.indexOf(r.name) === names.lastIndexOf(r.name));
  assert.ok(unique.length >= 6, `enough enterprises in the demo: ${hits.length}`);
  named = unique[5];
  const once = [serious[0], ...unique.slice(0, 5).map((r) => r.subject), named.name, UNKNOWN, serious[1]];
  lines = Array.from({ length: 6 }, () => once).flat();  // 54 lines: two chunks
  asOf = todayCST();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await removeLedger(ledger);
});

// POST /v1/check-list as the inspector: the server's answer for `list`.
async function checkList(list) {
  const res = await fetch(`${server.base}/v1/check-list?purpose=${PURPOSE}`, {
    method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ as_of: asOf, lines: list }),
  });
  assert.equal(res.status, 200, `POST /v1/check-list: HTTP ${res.status} ${await res.clone().text()}`);
  return res.json();
}

async function open({ width = 1366, token = server.token } = {}) {
  const { context, page } = await openPage(browser, { token, width, purpose: PURPOSE, mobile: width < 600 });
  page.posts = [];
  page.on('request', (req) => { if (req.method() === 'POST') page.posts.push({ url: decodeURIComponent(req.url()), body: req.postDataJSON() }); });
  await page.goto(`${server.base}/#/check-list`);
  await page.waitForSelector('main [data-ready="true"]');
  return { context, page };
}

async function run(page, list) {
  await page.fill('#cl-lines', list.join('\n'));
  await page.click('#cl-submit');
  await page.waitForSelector('#cl-progress[data-done]');
}

// RFC 4180 records.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r') { /* CRLF */ } else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else field += c;
  }
  return rows;
}

// A miss in Chinese: the server's own Chinese when it gives one, else the console's words (the
// server's English kept behind 服务器原文).
const errorOf = (r) => r.error_zh || (r.candidates?.length ? `${r.candidates.length} 个主体同名，请填写统一社会信用代码` : '未找到：没有该统一社会信用代码或登记名称的主体');

test('批量核查: a list checked in chunks, a row a line, CSV and the reports\' zip as the API says', { timeout: 120000 }, async () => {
  const expected = await checkList(lines);
  assert.equal(expected.rows.length, lines.length);
  assert.equal(expected.as_of, asOf);
  const byLine = new Map(expected.rows.map((r) => [r.line, r]));

  const { context, page } = await open();
  assert.equal(await page.locator('#nav a[data-page="check-list"]').isVisible(), true, 'in the navigation for inspectors');
  assert.equal(await page.locator('#cl-as-of').inputValue(), asOf, 'today by default');
  await run(page, lines);

  // Two requests, 50 lines and the rest, each naming the session's purpose.
  const posts = page.posts.filter((p) => p.url.includes('/v1/check-list'));
  assert.deepEqual(posts.map((p) => p.body.lines.length), [50, lines.length - 50]);
  for (const p of posts) {
    assert.ok(p.url.includes(`purpose=${PURPOSE}`), p.url);
    assert.equal(p.body.as_of, asOf);
  }
  assert.equal(await page.locator('#cl-progress-text').innerText(), `已核查 ${lines.length} / ${lines.length}`);
  const found = expected.rows.filter((r) => r.found);
  assert.equal(await page.locator('#cl-summary').getAttribute('data-found'), String(found.length));
  assert.ok((await page.locator('#cl-summary').innerText()).startsWith(`截至 ${asOf}：核查 ${lines.length} 行，找到 ${found.length} 个，未找到 ${lines.length - found.length} 个`));

  // A row a line, as the API says.
  assert.deepEqual(await page.locator('#cl-table thead th').allInnerTexts(), ['序号', '输入', '主体名称', '统一社会信用代码', '信用等级', '名单', '适用措施']);
  const rows = await page.locator('#cl-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    line: Number(tr.dataset.line), found: tr.dataset.found === 'true', subject: tr.dataset.subject || '',
    cells: [...tr.cells].map((td) => td.innerText.trim()),
    grade: tr.querySelector('[data-grade]')?.dataset.grade || '',
    lists: [...tr.querySelectorAll('.list-badge')].map((b) => b.dataset.list),
    measures: [...tr.querySelectorAll('.cl-measures li')].map((li) => li.innerText),
    link: tr.querySelector('a.cl-name')?.getAttribute('href') || '',
  })));
  assert.equal(rows.length, lines.length);
  rows.forEach((row, i) => {
    // The API numbers the lines of one request; the page numbers the whole list.
    const want = i < 50 ? expected.rows[i] : byLine.get(i + 1);
    const what = `line ${i + 1} (${lines[i]})`;
    assert.equal(row.line, i + 1, what);
    assert.equal(row.cells[0], String(i + 1), what);
    assert.equal(row.cells[1], lines[i], what);
    assert.equal(row.found, want.found, what);
    if (want.found) {
      assert.equal(row.subject, want.subject, what);
      assert.ok(row.cells[2].startsWith(want.name), what);
      assert.equal(row.cells[3], want.subject, what);
      assert.equal(row.grade, want.grade, what);
      assert.deepEqual(row.lists, want.lists.map((l) => l.list), what);
      assert.deepEqual(row.measures, want.measures.map((m) => m.measure), what);
      assert.equal(row.link, `#/subject/${want.subject}?as_of=${asOf}`, what);
    } else {
      assert.ok(row.cells[2].startsWith(errorOf(want)), `${what}: ${row.cells[2]}`);
      assert.ok(want.error, `${what}: the server says why`);
      assert.deepEqual(row.cells.slice(3), ['', '', '', ''], what);
    }
  });
  // What the list holds: the serious ones graded D with a red badge, the name found, the
  // unknown code missed.
  for (const id of serious) {
    const row = rows.find((r) => r.subject === id);
    assert.equal(row.grade, 'D', id);
    assert.ok(row.lists.includes('SeriousDishonesty'), id);
    assert.ok(row.measures.length > 0, `${id}: the list's measures`);
  }
  const badge = page.locator(`#cl-table tr[data-subject="${serious[0]}"] .list-badge[data-list="SeriousDishonesty"]`).first();
  assert.equal(await badge.innerText(), '严重失信主体名单');
  assert.equal(await badge.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(179, 38, 30)', 'red');
  assert.equal(rows[6].found, true, 'the name');
  assert.equal(rows[6].subject, named.subject);
  assert.equal(rows[7].found, false, 'the unknown code');
  const miss = byLine.get(8);
  assert.equal(rows[7].cells[2].split('\n')[0], errorOf(miss));
  // The server's Chinese as it says it; its English only behind 服务器原文, when it gives no Chinese.
  const unknownRow = page.locator('#cl-table tbody tr[data-line="8"]');
  if (miss.error_zh) {
    assert.equal(await unknownRow.locator('details.server-text').count(), 0);
  } else {
    assert.equal(await unknownRow.locator('details.server-text summary').innerText(), '服务器原文');
    assert.equal(await unknownRow.locator('details.server-text .mono').textContent(), miss.error);
  }
  await page.assertChinese('a list checked');

  // CSV: UTF-8 with a BOM, the header, and every row as the API says.
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#cl-csv').click()]);
  assert.equal(csvDownload.suggestedFilename(), `批量核查-${asOf}.csv`);
  const bytes = await readFile(await csvDownload.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM');
  const csv = parseCsv(bytes.subarray(3).toString('utf8'));
  assert.deepEqual(csv[0], HEADER);
  assert.equal(csv.length - 1, lines.length);
  csv.slice(1).forEach((cells, i) => {
    const r = i < 50 ? expected.rows[i] : byLine.get(i + 1);
    assert.deepEqual(cells, [String(i + 1), lines[i], r.found ? '是' : '否', r.name || '', r.subject || '', r.found ? r.kind_zh : '',
      r.found ? r.division : '', r.grade || '', (r.lists || []).map((l) => l.list_zh).join('、'), (r.measures || []).map((m) => m.measure).join('；'),
      r.found ? '' : [errorOf(r), ...(r.candidates || []).map((c) => `${c.name} ${c.subject}`)].join('；')], `CSV line ${i + 1}`);
  });

  // Every report found, in one zip: POST /v1/reports with the subjects found, each once.
  const subjects = [...new Set(found.map((r) => r.subject))];
  assert.equal(await page.locator('#cl-reports').innerText(), `下载全部报告（${subjects.length} 份）`);
  const [zip] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.locator('#cl-reports').click()]);
  assert.equal(zip.suggestedFilename(), `信用报告-${asOf}.zip`);
  const post = page.posts.find((p) => p.url.includes('/v1/reports'));
  assert.ok(post.url.includes(`purpose=${PURPOSE}`), post.url);
  assert.deepEqual(post.body, { as_of: asOf, subjects });
  const zipBytes = await readFile(await zip.path());
  assert.ok(zipBytes.length > 100, `the zip has ${zipBytes.length} bytes`);
  assert.equal(zipBytes.subarray(0, 2).toString('latin1'), 'PK');
  await page.waitForFunction(() => document.querySelector('#cl-reports-status')?.textContent.startsWith('已下载'));
  page.assertNoErrors();
  await context.close();
});

test('批量核查: a .csv file fills the list; cancelling keeps what was checked; a phone shows cards', { timeout: 120000 }, async () => {
  const { context, page } = await open();
  // A spreadsheet's CSV: the first field of each line, quoted or not.
  const csv = `\uFEFF"${serious[0]}",甲\r\n${serious[1]},乙\r\n\r\n"${UNKNOWN}"\r\n`;
  await page.setInputFiles('#cl-file', { name: '名单.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.waitForFunction(() => document.querySelector('#cl-lines').value.split('\n').length === 3);
  assert.equal(await page.locator('#cl-lines').inputValue(), [serious[0], serious[1], UNKNOWN].join('\n'));
  assert.equal(await page.locator('#cl-count').innerText(), '共 3 行');

  // The second chunk held back until the inspector cancels.
  let held = 0;
  await page.route('**/v1/check-list*', async (route) => {
    if (++held === 2) await new Promise((resolve) => setTimeout(resolve, 5000));
    await route.continue().catch(() => {});
  });
  await page.fill('#cl-lines', lines.join('\n'));
  await page.click('#cl-submit');
  await page.waitForFunction(() => document.querySelector('#cl-progress-text')?.textContent === '已核查 50 / 54');
  assert.equal(await page.locator('#cl-cancel').isVisible(), true);
  assert.equal(await page.locator('#cl-submit').isDisabled(), true);
  await page.click('#cl-cancel');
  await page.waitForSelector('#cl-progress[data-done]');
  assert.equal(await page.locator('#cl-cancelled').innerText(), '已取消');
  assert.equal(await page.locator('#cl-table tbody tr').count(), 50);
  assert.equal(await page.locator('#cl-cancel').isVisible(), false);
  assert.equal(await page.locator('#cl-submit').isDisabled(), false);
  await page.assertChinese('a check cancelled');
  page.assertNoErrors();
  await context.close();

  // The list once over, on a laptop (the docs' screenshot).
  const laptop = await open();
  await run(laptop.page, lines.slice(0, 9));
  await laptop.page.assertChinese('a short list checked');
  await shot(laptop.page.locator('#main'), 'console-check-list.png');
  laptop.page.assertNoErrors();
  await laptop.context.close();

  // On a phone: each row a card, each value beside its column's name; nothing wider.
  const phone = await open({ width: 390 });
  await run(phone.page, lines.slice(0, 9));
  assert.deepEqual(await overflow(phone.page, 390), []);
  assert.equal(await phone.page.locator('#cl-table thead').evaluate((el) => el.getBoundingClientRect().height <= 2), true);
  assert.equal(await phone.page.locator('#cl-table tbody tr').first().locator('td').nth(2).getAttribute('data-label'), '主体名称');
  await phone.page.assertChinese('a list checked on a phone');
  await shot(phone.page.locator('#main'), 'console-check-list-390.png');
  phone.page.assertNoErrors();
  await phone.context.close();
});

test('批量核查: the public is not offered the page', { timeout: 60000 }, async () => {
  const { context, page } = await open({ token: '' });
  assert.equal(await page.locator('#nav a[data-page="check-list"]').isHidden(), true);
  assert.equal(await page.locator('#nav a[data-page="report-verify"]').isVisible(), true, '报告核验 is for everyone');
  assert.ok((await page.locator('main .error').innerText()).includes('401'));
  assert.equal(await page.locator('#cl-lines').count(), 0);
  await page.assertChinese('批量核查 for the public');
  page.assertNoErrors();
  await context.close();
});
