// Browser tests of a public body's 好差评 on its subject page, run by scripts/web-test against its
// demo ledger: the totals (办件, 评价率, 平均, 差评 and their 整改, 回访), a row per 事项 and the 差评
// left unrectified past their deadline, for the public (entries greyed) and for an inspector
// (entries linked), as of today and of an earlier date; and no such card for an enterprise.
// The body is one the integrity board fails for integrity.rectification_overdue; expected values
// come from /v1/subjects/{id}/services.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { api, launch, openPage } from './console.mjs';

const BASE = process.env.BASE_URL;
const INSPECTOR = process.env.INSPECTOR_TOKEN;
const SHOTS = (process.env.SCREENSHOT_DIRS || '').split(':').filter(Boolean);
assert.ok(BASE && INSPECTOR, 'BASE_URL and the INSPECTOR token are set by scripts/web-test');

// An enterprise scripts/web-test records (fined, listed): never a public body.
const FIRM = '91370202MA3C4D5E7X';

let browser;
let fx;

// The figures as the page says them, in Chinese.
const pct = (rate) => `${(rate * 100).toFixed(1)}%`;
function totalsLine(s) {
  if (!s.cases) return `截至 ${s.as_of}，尚无政务服务办件`;
  return `办件 ${s.cases}，评价率 ${pct(s.rating_rate)}，${s.rated ? `平均 ${s.average.toFixed(2)} 星` : '尚无评价'}，`
    + `差评 ${s.bad}：按期整改 ${s.rectified_on_time}、逾期整改 ${s.rectified_late}、整改逾期未办 ${s.rectification_overdue}`
    + `${s.rectification_due ? `、整改期限未到 ${s.rectification_due}` : ''}，回访 ${s.followed_up}（满意 ${s.satisfied}）`;
}
const matterCells = (m) => [m.matter, String(m.cases), pct(m.rating_rate), m.rated ? `${m.average.toFixed(2)} 星` : '—',
  String(m.bad), String(m.rectified_on_time), String(m.rectification_overdue)];

before(async () => {
  browser = await launch();
  // A public body the board fails for a 差评 not rectified in time, and its 好差评.
  const board = (await api('/v1/integrity')).board;
  let body = null;
  for (const b of board.filter((r) => (r.failures || []).some((f) => f.rule === 'integrity.rectification_overdue'))) {
    const services = await api(`/v1/subjects/${b.subject}/services`);
    if (services.overdue.length && services.matters.length) { body = { ...b, services }; break; }
  }
  assert.ok(body, 'the demo has a public body with a 差评 not rectified in time');
  // As of the day the first overdue 差评 was rated: its deadline not yet passed.
  const early = body.services.overdue[0].rated || body.services.overdue[0].handled;
  fx = { body, early, earlyServices: await api(`/v1/subjects/${body.subject}/services?as_of=${early}`) };
});

after(async () => { await browser?.close(); });

const open = (options = {}) => openPage(browser, options);

// The card alone (the page around it is in console-subject.png).
async function shot(locator, name) {
  for (const dir of SHOTS) {
    await mkdir(dir, { recursive: true });
    await locator.screenshot({ path: path.join(dir, name) });
  }
}

const cells = (row) => row.locator('td').evaluateAll((tds) => tds.map((td) => td.innerText.trim()));

test('好差评: a public body\'s totals, a row per 事项 and each 差评 not rectified in time, for the public and an inspector', { timeout: 60000 }, async () => {
  const { subject } = fx.body;
  const s = fx.body.services;
  for (const [token, view] of [['', 'public'], [INSPECTOR, 'full']]) {
    const { context, page } = await open({ token });
    await page.goto(`${BASE}/#/subject/${subject}`);
    await page.waitForSelector(`.page-subject[data-view="${view}"]`);
    assert.ok(page.requests.some((u) => u.includes(`/v1/subjects/${subject}/services`)), 'the page reads the body\'s 好差评');
    const card = page.locator('#services');
    assert.equal(await card.locator('h2').innerText(), '好差评');

    // 办件 N，评价率 X%，平均 Y 星，差评 Z：按期整改 a、逾期整改 b、整改逾期未办 c，回访 d（满意 e）
    assert.equal(await page.locator('#services-totals').innerText(), totalsLine(s));
    assert.ok(s.rectification_overdue >= 1 && s.bad >= s.rectification_overdue);

    // Per 事项: 事项, 办件, 评价率, 平均, 差评, 按期整改, 逾期未整改.
    assert.deepEqual(await page.locator('#services-matters thead th').allInnerTexts(), ['事项', '办件', '评价率', '平均', '差评', '按期整改', '逾期未整改']);
    const matters = page.locator('#services-matters tbody tr');
    assert.equal(await matters.count(), s.matters.length);
    for (const m of s.matters) {
      assert.deepEqual(await cells(page.locator(`#services-matters tbody tr[data-matter="${m.matter}"]`)), matterCells(m), `事项 ${m.matter}`);
    }
    // The 事项 of the overdue 差评 counts it.
    const late = s.matters.find((m) => m.matter === s.overdue[0].matter);
    assert.ok(late && late.rectification_overdue >= 1, `${s.overdue[0].matter} counts its overdue 差评`);

    // Each 差评 not rectified in time: 办件编号, 事项, 评价日期, 星级, 整改期限 and its entries.
    assert.equal(await card.locator('h3').nth(1).innerText(), '整改逾期未办的差评');
    assert.deepEqual(await page.locator('#services-overdue thead th').allInnerTexts(), ['办件编号', '事项', '评价日期', '星级', '整改期限', '依据']);
    const rows = page.locator('#services-overdue tbody tr');
    assert.equal(await rows.count(), s.overdue.length);
    for (const [i, o] of s.overdue.entries()) {
      const row = rows.nth(i);
      assert.equal(await row.getAttribute('data-case'), o.case_id);
      assert.deepEqual((await cells(row)).slice(0, 5), [o.case_id, o.matter, o.rated, `${o.rating} 星`, o.due_by]);
      assert.ok(o.due_by < s.as_of, `${o.case_id}: its deadline ${o.due_by} has passed`);
      // Entries: links for a reader of records, greyed for the public (as everywhere on the page).
      if (token) {
        assert.deepEqual(await row.locator('a.seq').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), o.seqs.map((seq) => `#/entry/${seq}`));
      } else {
        assert.equal(await row.locator('a').count(), 0);
        assert.deepEqual(await row.locator('.seq.locked').allInnerTexts(), o.seqs.map((seq) => `#${seq}`));
      }
    }
    await page.assertChinese(`the 好差评 card (${view})`);
    if (token) {
      await shot(card, 'console-services.png');
      // An entry link opens the 差评's entry.
      await rows.first().locator('a.seq').first().click();
      await page.waitForSelector('#verdict');
      assert.equal(decodeURIComponent(new URL(page.url()).hash), `#/entry/${s.overdue[0].seqs[0]}`);
    }
    page.assertNoErrors();
    await context.close();
  }
});

test('好差评 as of an earlier date: the figures of that day', { timeout: 60000 }, async () => {
  const { subject } = fx.body;
  const then = fx.earlyServices;
  const { context, page } = await open();
  await page.goto(`${BASE}/#/subject/${subject}?as_of=${fx.early}`);
  await page.waitForSelector(`.page-subject[data-as-of="${fx.early}"]`);
  assert.ok(page.requests.some((u) => u.includes(`/v1/subjects/${subject}/services?as_of=${fx.early}`)));
  assert.equal(await page.locator('#services-totals').innerText(), totalsLine(then));
  // The 差评 rated that day was not yet overdue.
  assert.ok(!then.overdue.some((o) => o.case_id === fx.body.services.overdue[0].case_id));
  if (then.cases) {
    assert.equal(await page.locator('#services-matters tbody tr').count(), then.matters.length);
    if (!then.overdue.length) assert.equal(await page.locator('#services-overdue').innerText(), '没有整改逾期未办的差评');
  }
  await page.assertChinese('the 好差评 card as of an earlier date');
  page.assertNoErrors();
  await context.close();
});

test('好差评: nothing for an enterprise (the route is a public body\'s), for the public and an inspector', { timeout: 60000 }, async () => {
  const res = await fetch(`${BASE}/v1/subjects/${FIRM}/services`);
  assert.equal(res.status, 404, 'an enterprise has no 好差评');
  for (const [token, view] of [['', 'public'], [INSPECTOR, 'full']]) {
    const { context, page } = await open({ token });
    await page.goto(`${BASE}/#/subject/${FIRM}`);
    await page.waitForSelector(`.page-subject[data-view="${view}"]`);
    assert.equal(await page.locator('#services').count(), 0);
    assert.equal(await page.locator('.error').count(), 0, 'no error shown');
    assert.ok(!page.requests.some((u) => u.includes('/services')), 'not asked of the server');
    page.assertNoErrors();
    await context.close();
  }
});
