// Phone (390 px) and tablet (768 px) layouts of every page of the console, run by
// scripts/web-test against its demo ledger: nothing scrolls sideways, nothing is cut off, every
// column of a table stays in view (as cards, each value beside its column's name, on a phone),
// no text is squeezed into a sliver, and the time axis and the board's chart fit the screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.BASE_URL;
const INSPECTOR = process.env.INSPECTOR_TOKEN;
const AUDITOR = process.env.AUDITOR_TOKEN;
const SHOTS = (process.env.SCREENSHOT_DIRS || '').split(':').filter(Boolean);
assert.ok(BASE && INSPECTOR && AUDITOR, 'BASE_URL and the INSPECTOR and AUDITOR tokens are set by scripts/web-test');

const PHONE = 390;
const TABLET = 768;
const WIDTHS = [PHONE, TABLET];
// Recorded by scripts/web-test: a fined penalty in publicity, a serious-dishonesty listing, a
// commitment and a repair that does not count; every kind of table on the subject page.
const FINED = '91370202MA3C4D5E7X';

let browser;
let fx;

async function api(route, token) {
  const url = token && !/[?&]purpose=/.test(route) ? `${route}${route.includes('?') ? '&' : '?'}purpose=supervision` : route;
  const res = await fetch(BASE + url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  assert.equal(res.status, 200, `GET ${route}: HTTP ${res.status}`);
  return res.headers.get('content-type').includes('json') ? res.json() : res.text();
}

function yuan(fen) {
  return `${Math.floor(fen / 100).toLocaleString('en-US')}.${String(fen % 100).padStart(2, '0')} 元`;
}

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--lang=zh-CN'],
  });
  const profile = await api(`/v1/subjects/${FINED}/profile`, INSPECTOR);
  assert.ok(profile.penalties.some((p) => p.fine_fen > 0), `${FINED} has a fine`);
  // The public body with the longest history: the most crowded time axis.
  let busiest = null;
  for (const row of (await api('/v1/integrity')).board) {
    const timeline = await api(`/v1/subjects/${row.subject}/timeline`, INSPECTOR);
    if (!busiest || timeline.timeline.length > busiest.timeline.length) busiest = { id: row.subject, timeline: timeline.timeline };
  }
  fx = { profile, busiest, fined: await api(`/v1/subjects/${FINED}/timeline`, INSPECTOR) };
});

after(async () => { await browser?.close(); });

async function open({ token = '', width, purpose = 'supervision' }) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN', isMobile: width < 600, hasTouch: width < 600 });
  context.setDefaultTimeout(10000);
  await context.addInitScript(([tok, why]) => {
    if (tok && sessionStorage.getItem('creditlog.token') === null) sessionStorage.setItem('creditlog.token', tok);
    if (why && sessionStorage.getItem('creditlog.purpose') === null) sessionStorage.setItem('creditlog.purpose', why);
    if (localStorage.getItem('creditlog.lang') === null) localStorage.setItem('creditlog.lang', 'zh');
  }, [token, purpose]);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.assertNoErrors = () => assert.deepEqual(errors, [], 'no uncaught errors in the page');
  return { context, page };
}

async function shot(page, name) {
  for (const dir of SHOTS) {
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, name), fullPage: true });
  }
}

// Everything the layout checks measure, in the page. Each returns a list of what is wrong.
const probes = () => {
  const W = window.innerWidth;
  const hidden = (el) => el.closest('thead, .visually-hidden, .skip, .date-native, [hidden]');
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${(el.textContent || '').trim().slice(0, 30)}"`;
  const textNodes = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const out = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.parentElement && !hidden(n.parentElement) && shown(n.parentElement)) out.push(n);
    return out;
  };
  // The lines a stretch of text is laid out on (one rect per line, or more for mixed scripts).
  const lines = (node, from, to) => {
    const range = document.createRange();
    range.setStart(node, from);
    range.setEnd(node, to);
    const tops = [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top));
    return new Set(tops.map((t) => tops.find((u) => Math.abs(u - t) <= 8))).size;
  };
  return {
    // The page, and anything inside it, wider than the screen; a scroll box hiding columns.
    sideways() {
      const bad = [];
      if (document.documentElement.scrollWidth > W) bad.push(`the page is ${document.documentElement.scrollWidth} px wide`);
      for (const el of document.body.querySelectorAll('*')) {
        if (hidden(el) || !shown(el)) continue;
        const r = el.getBoundingClientRect();
        if (r.left < -1 || r.right > W + 1) bad.push(`${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}`);
        const style = getComputedStyle(el);
        if (/auto|scroll/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
          bad.push(`${name(el)} scrolls sideways (${el.scrollWidth} in ${el.clientWidth})`);
        }
      }
      return bad;
    },
    // Text squeezed into a sliver (a name one or two characters a line), and, in tables, hits,
    // tags and controls (not in running prose, which wraps anywhere), short Chinese words
    // (检查员, 已履行, 市南区) broken across lines.
    squeezed() {
      const bad = [];
      for (const node of textNodes(document.getElementById('main'))) {
        const text = node.data;
        const chars = text.replace(/\s/g, '').length;
        if (chars >= 6) {
          const n = lines(node, 0, text.length);
          if (chars / n < 3) bad.push(`"${text.trim().slice(0, 30)}" in ${name(node.parentElement)}: ${chars} characters on ${n} lines`);
        }
        if (!node.parentElement.closest('td, .results li, .tag, .list-badge, .tab, button, .button, label, .facts dt')) continue;
        for (const m of text.matchAll(/[\u4e00-\u9fff]{2,6}/g)) {
          const before = text[m.index - 1];
          const after = text[m.index + m[0].length];
          const word = (!before || /\s/.test(before)) && (!after || /\s/.test(after));
          if (word && lines(node, m.index, m.index + m[0].length) > 1) bad.push(`"${m[0]}" in ${name(node.parentElement)} is broken across lines`);
        }
      }
      return bad;
    },
    // Every table: its rows as cards (phone) or rows that fit (covered by sideways()).
    tables() {
      return [...document.querySelectorAll('#main table')].map((table) => {
        const heads = [...table.querySelectorAll(':scope > thead th')].map((th) => th.textContent.trim());
        const rows = [...table.querySelectorAll(':scope > tbody > tr')].map((tr) => [...tr.cells].map((td) => {
          const r = td.getBoundingClientRect();
          const label = getComputedStyle(td, '::before');
          const lineHeight = parseFloat(label.lineHeight);
          return {
            text: td.innerText.trim(),
            label: label.content === 'none' || label.content === 'normal' ? null : JSON.parse(label.content),
            labelLines: Math.round(parseFloat(label.height) / lineHeight),
            top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height,
          };
        }));
        const head = table.tHead?.getBoundingClientRect();
        const headVisible = Boolean(head && head.width > 2 && head.height > 2);
        return { id: table.id, kv: table.classList.contains('kv'), heads, rows, headVisible };
      });
    },
  };
};

async function measure(page, what) {
  return page.evaluate(([src, key]) => (0, eval)(`(${src})`)()[key](), [probes.toString(), what]);
}

// The checks every page gets at both widths.
async function checkLayout(page, width, label) {
  assert.equal(await page.evaluate(() => window.innerWidth), width, `${label}: laid out for ${width} px, not zoomed out to fit something wider`);
  assert.deepEqual(await measure(page, 'sideways'), [], `${label} at ${width} px: nothing wider than the screen`);
  assert.deepEqual(await measure(page, 'squeezed'), [], `${label} at ${width} px: no text squeezed or words broken`);
  const tables = await measure(page, 'tables');
  if (width < 600) {
    for (const t of tables.filter((x) => !x.kv)) {
      assert.equal(t.headVisible, false, `${label} ${t.id}: the header row is not shown; each value has its own label`);
      for (const row of t.rows) {
        row.forEach((cell, i) => {
          if (!cell.text) return;
          assert.equal(cell.label, t.heads[i], `${label} ${t.id}: "${cell.text}" is labelled with its column ${t.heads[i]}`);
          assert.equal(cell.labelLines, 1, `${label} ${t.id}: the label ${cell.label} is on one line`);
          if (i > 0 && row[i - 1].height > 0) assert.ok(cell.top >= row[i - 1].bottom - 1, `${label} ${t.id}: ${cell.label} is below ${row[i - 1].label}`);
        });
        const shownLabels = row.filter((c) => c.text).map((c) => c.label);
        assert.deepEqual(shownLabels, t.heads.filter((_, i) => row[i].text), `${label} ${t.id}: every column with a value is shown`);
      }
    }
  }
  return tables;
}

async function axisCheck(page, label, dots) {
  const found = await page.evaluate((sel) => {
    const svg = document.querySelector(sel);
    const box = svg.getBoundingClientRect();
    return {
      box: { left: box.left, right: box.right, top: box.top, bottom: box.bottom },
      dots: [...svg.querySelectorAll('circle')].map((c) => { const r = c.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width }; }),
      texts: [...svg.querySelectorAll('text')].map((t) => { const r = t.getBoundingClientRect(); return { text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom, height: r.height }; }),
      width: window.innerWidth,
    };
  }, 'svg.axis');
  assert.equal(found.dots.length, dots, `${label}: a dot for every dated event`);
  for (const d of found.dots) {
    assert.ok(d.left >= found.box.left - 1 && d.right <= found.box.right + 1 && d.top >= found.box.top - 1 && d.bottom <= found.box.bottom + 1,
      `${label}: a dot at ${Math.round(d.left)}..${Math.round(d.right)} lies inside the axis ${Math.round(found.box.left)}..${Math.round(found.box.right)}`);
    assert.ok(d.left >= 0 && d.right <= found.width, `${label}: a dot at ${Math.round(d.left)}..${Math.round(d.right)} is on the screen`);
    assert.ok(d.width >= 10, `${label}: a dot is ${d.width.toFixed(1)} px across, big enough to see and tap`);
  }
  const centre = (d) => [(d.left + d.right) / 2, (d.top + d.bottom) / 2];
  found.dots.forEach((a, i) => found.dots.slice(i + 1).forEach((b) => {
    const [[ax, ay], [bx, by]] = [centre(a), centre(b)];
    assert.ok(Math.hypot(ax - bx, ay - by) >= a.width - 1, `${label}: dots at ${Math.round(ax)},${Math.round(ay)} and ${Math.round(bx)},${Math.round(by)} overlap`);
  }));
  textsReadable(found.texts, label);
}

// Labels in a drawing: big enough to read, and not on top of each other.
function textsReadable(texts, label) {
  for (const t of texts) assert.ok(t.height >= 11, `${label}: "${t.text}" is ${t.height.toFixed(1)} px tall`);
  texts.forEach((a, i) => texts.slice(i + 1).forEach((b) => {
    const overlap = a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
    assert.ok(!overlap, `${label}: "${a.text}" and "${b.text}" overlap`);
  }));
}

test('search: each hit shows its name, code, division and record count, unsqueezed', { timeout: 60000 }, async () => {
  const query = '青岛';
  const results = (await api(`/v1/search?q=${encodeURIComponent(query)}`)).results;
  assert.ok(results.length > 5, 'the demo has many subjects named 青岛…');
  for (const width of WIDTHS) {
    const { context, page } = await open({ width });
    await page.goto(`${BASE}/#/search?q=${encodeURIComponent(query)}`);
    await page.waitForFunction((n) => document.querySelectorAll('#search-results li').length === n, results.length);
    await checkLayout(page, width, 'search');
    const hits = await page.locator('#search-results li').evaluateAll((lis) => lis.slice(0, 10).map((li) => ({
      height: li.getBoundingClientRect().height,
      parts: [...li.children].map((c) => ({ text: c.innerText.trim(), visible: c.getBoundingClientRect().width > 0 })),
    })));
    hits.forEach((hit, i) => {
      const r = results[i];
      assert.deepEqual(hit.parts.map((p) => p.visible), [true, true, true, true], `hit ${i}: name, code, division and count all shown`);
      assert.ok(hit.parts[0].text.includes(r.name) && hit.parts[1].text === r.subject && hit.parts[2].text.startsWith(r.subject.slice(2, 8)), `hit ${i}: ${JSON.stringify(hit.parts)}`);
      assert.ok(hit.height < 120, `hit ${i} is ${Math.round(hit.height)} px tall`);
    });
    await shot(page, `console-search-${width}.png`);
    page.assertNoErrors();
    await context.close();
  }
});

test('subject: every table\'s columns in view, 罚款 and 公示状态 among them; cards on a phone', { timeout: 60000 }, async () => {
  const pen = fx.profile.penalties.find((p) => p.fine_fen > 0);
  for (const width of WIDTHS) {
    const { context, page } = await open({ token: INSPECTOR, width });
    // With the answer of a check before granting (联合奖惩核查) drawn.
    await page.goto(`${BASE}/#/subject/${FINED}?action=${encodeURIComponent('政府采购')}`);
    await page.waitForSelector('.page-subject[data-view="full"]');
    await page.waitForSelector('#check-result[data-decision="restricted"]');
    const tables = await checkLayout(page, width, 'subject');
    for (const id of ['lists', 'disregarded', 'commitments', 'penalties']) assert.ok(tables.some((t) => t.id === id), `the ${id} table is drawn`);
    // The fine and the publicity, each beside its own label and on the screen.
    const row = page.locator('#penalties tbody tr', { hasText: pen.decision_number });
    for (const [column, value] of [['罚款', yuan(pen.fine_fen)], ['公示状态', (pen.state === 'in_publicity' ? pen.publicity_last_day : pen.publicity_until) || '']]) {
      const cell = row.locator(`td[data-label="${column}"]`);
      assert.equal(await cell.isVisible(), true, `${column} shown at ${width} px`);
      assert.ok((await cell.innerText()).includes(value), `${column}: ${await cell.innerText()}`);
      const box = await cell.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= width, `${column} lies on the screen at ${width} px`);
      if (width < 600) {
        assert.equal(await cell.evaluate((td) => getComputedStyle(td, '::before').content), `"${column}"`);
      }
    }
    const title = await page.locator('h1').evaluate((el) => [el.getBoundingClientRect().height, parseFloat(getComputedStyle(el).lineHeight)]);
    assert.ok(title[0] <= 2 * title[1] + 1, `the name on at most two lines (${title[0]} px)`);
    await shot(page, `console-subject-${width}.png`);
    page.assertNoErrors();
    await context.close();
  }
});

test('好差评: a public body\'s totals, 事项 and overdue 差评 in view; cards on a phone', { timeout: 60000 }, async () => {
  // A public body with a 差评 not rectified in time: every part of the card drawn.
  let body = null;
  for (const row of (await api('/v1/integrity')).board) {
    if (!(row.failures || []).some((f) => f.rule === 'integrity.rectification_overdue')) continue;
    const services = await api(`/v1/subjects/${row.subject}/services`);
    if (services.overdue.length) { body = { id: row.subject, services }; break; }
  }
  assert.ok(body, 'the demo has a public body with a 差评 not rectified in time');
  for (const width of WIDTHS) {
    const { context, page } = await open({ width });
    await page.goto(`${BASE}/#/subject/${body.id}`);
    await page.waitForSelector('.page-subject[data-view="public"] #services-totals');
    const tables = await checkLayout(page, width, 'services');
    assert.equal(tables.find((t) => t.id === 'services-matters')?.rows.length, body.services.matters.length, 'a row per 事项');
    assert.equal(tables.find((t) => t.id === 'services-overdue')?.rows.length, body.services.overdue.length, 'a row per overdue 差评');
    // The card alone: the page above it is in console-subject-390.png.
    if (width < 600) {
      for (const dir of SHOTS) {
        await mkdir(dir, { recursive: true });
        await page.locator('#services').screenshot({ path: path.join(dir, `console-services-${width}.png`) });
      }
    }
    page.assertNoErrors();
    await context.close();
  }
});

test('timeline: every dot on the screen and big enough to tap, years readable, entries unsqueezed', { timeout: 60000 }, async () => {
  for (const subject of [{ id: FINED, timeline: fx.fined.timeline }, fx.busiest]) {
    const dated = subject.timeline.filter((e) => e.date).length;
    for (const width of WIDTHS) {
      const { context, page } = await open({ token: INSPECTOR, width });
      await page.goto(`${BASE}/#/timeline/${subject.id}`);
      await page.waitForSelector('#timeline-list');
      await checkLayout(page, width, `timeline ${subject.id}`);
      assert.equal(await page.locator('#timeline-list li').count(), subject.timeline.length);
      await axisCheck(page, `timeline ${subject.id} at ${width} px`, dated);
      if (subject.id === FINED) await shot(page, `console-timeline-${width}.png`);
      page.assertNoErrors();
      await context.close();
    }
  }
});

test('entry: checks, facts and the event\'s fields fit the screen', { timeout: 60000 }, async () => {
  const seq = fx.profile.penalties[0].seqs[0];
  for (const width of WIDTHS) {
    const { context, page } = await open({ token: INSPECTOR, width });
    await page.goto(`${BASE}/#/entry/${seq}`);
    await page.waitForSelector('#verdict[data-ok="true"]');
    await checkLayout(page, width, 'entry');
    // Each field's name and value: side by side or the name above, never overlapping.
    const fields = await page.locator('table.kv tbody tr').evaluateAll((trs) => trs.map((tr) => {
      const [k, v] = [...tr.cells].map((td) => td.getBoundingClientRect());
      return k.right <= v.left + 1 || k.bottom <= v.top + 1;
    }));
    assert.ok(fields.length > 3 && fields.every(Boolean), 'field names and values apart');
    await shot(page, `console-entry-${width}.png`);
    page.assertNoErrors();
    await context.close();
  }
});

test('lists: filters and every member\'s columns in view', { timeout: 60000 }, async () => {
  const list = await api('/v1/lists/SeriousDishonesty', INSPECTOR);
  assert.ok(list.entries.length > 0);
  for (const width of WIDTHS) {
    const { context, page } = await open({ token: INSPECTOR, width });
    await page.goto(`${BASE}/#/lists/SeriousDishonesty`);
    await page.waitForSelector('#list-table');
    const tables = await checkLayout(page, width, 'lists');
    const members = tables.find((t) => t.id === 'list-table');
    assert.equal(members.rows.length, Math.min(20, list.entries.length));
    // A name on one or two lines, not one character a line.
    const names = await page.locator('#list-table tbody td a[href^="#/subject/"]').evaluateAll((as) => as.map((a) =>
      [a.textContent, new Set([...a.getClientRects()].map((r) => Math.round(r.top))).size]));
    assert.equal(names.length, members.rows.length);
    for (const [name, lines] of names) assert.ok(lines <= 2, `${name} on ${lines} lines at ${width} px`);
    await shot(page, `console-lists-${width}.png`);
    page.assertNoErrors();
    await context.close();
  }
});

test('integrity board: the chart fits the screen with readable labels; every column of the ranking in view', { timeout: 60000 }, async () => {
  const board = (await api('/v1/integrity')).board;
  for (const width of WIDTHS) {
    const { context, page } = await open({ width });
    await page.goto(`${BASE}/#/integrity`);
    await page.waitForSelector('#board-table');
    const tables = await checkLayout(page, width, 'integrity');
    const ranking = tables.find((t) => t.id === 'board-table');
    assert.equal(ranking.rows.length, Math.min(20, board.length));
    // Too many columns for a tablet as well: cards there, two abreast.
    assert.equal(ranking.headVisible, false, `the ranking as cards at ${width} px`);
    if (width >= 600) assert.ok(ranking.rows[1][0].top < ranking.rows[0][1].bottom, 'two cards abreast on a tablet');
    const chart = await page.evaluate(() => {
      const svg = document.querySelector('#integrity-chart');
      const box = svg.getBoundingClientRect();
      const rect = (el) => { const r = el.getBoundingClientRect(); return { text: el.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom, height: r.height }; };
      return { box: rect(svg), bars: [...svg.querySelectorAll('rect.bar')].map(rect), texts: [...svg.querySelectorAll('text')].map(rect), width: window.innerWidth, boxWidth: box.width };
    });
    assert.ok(chart.box.left >= 0 && chart.box.right <= width, 'the chart is on the screen');
    assert.ok(chart.bars.length >= board.length && chart.bars.every((b) => b.left >= chart.box.left - 1 && b.right <= chart.box.right + 1), 'every column inside the chart');
    textsReadable(chart.texts, `the board's chart at ${width} px`);
    await shot(page, `console-integrity-${width}.png`);
    page.assertNoErrors();
    await context.close();
  }
});

test('待核查: an agency\'s list, every column in view; cards on a phone and a tablet', { timeout: 60000 }, async () => {
  // The agency that accepted the commitment scripts/web-test records for FINED.
  const agency = fx.profile.commitments.find((c) => c.accepting_agency).accepting_agency;
  const due = await api(`/v1/agencies/${agency}/due-verifications`, INSPECTOR);
  assert.ok(due.verifications.length > 0, `${agency} has verifications due`);
  for (const width of WIDTHS) {
    const { context, page } = await open({ token: INSPECTOR, width });
    await page.goto(`${BASE}/#/due-verifications?agency=${agency}`);
    await page.waitForSelector('#due-table');
    const tables = await checkLayout(page, width, 'due-verifications');
    const list = tables.find((t) => t.id === 'due-table');
    assert.equal(list.rows.length, due.verifications.length);
    assert.equal(list.headVisible, false, `the list as cards at ${width} px`);
    await shot(page, `console-due-verifications-${width}.png`);
    page.assertNoErrors();
    await context.close();
  }
});

test('查询记录: every read with its time, reader, role, purpose and route in view', { timeout: 60000 }, async () => {
  await api(`/v1/subjects/${FINED}/profile`, INSPECTOR);  // at least one read on record
  const log = await api(`/v1/subjects/${FINED}/access-log?purpose=audit`, AUDITOR);
  for (const width of WIDTHS) {
    const { context, page } = await open({ token: AUDITOR, width, purpose: 'audit' });
    await page.goto(`${BASE}/#/access/${FINED}`);
    await page.waitForSelector('#access-table');
    const tables = await checkLayout(page, width, 'access');
    const reads = tables.find((t) => t.id === 'access-table');
    assert.ok(reads.rows.length >= log.access.length);
    assert.equal(reads.headVisible, false, `the reads as cards at ${width} px`);
    await shot(page, `console-access-log-${width}.png`);
    page.assertNoErrors();
    await context.close();
  }
});
