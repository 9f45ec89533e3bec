// Browser tests of witnessed checkpoints on an entry's page: the 见证方联署 check, verified in the
// browser (C2SP tlog-cosignature with the keys of the server's C2SP tlog-policy), and the 见证
// card, with real witnesses.
//
// scripts/web-test's server has no witness policy, so this test runs its own: with the same
// binary (CREDITLOG_BIN, which scripts/web-test sets) it makes a small ledger (`init`, `demo
// --subjects 20`), three witnesses (`witness init`, `witness serve --log <the log's verifier
// key>`: audit, court and congress), a policy of two of the three, and a server publishing only
// checkpoints that quorum cosigned (`serve --witness-policy`). Then: the entry page shows the
// check passing with the three cosigners named and their times, and each witness 正常; a
// cosignature with a flipped bit, or a checkpoint with only one cosignature, fails the check
// (and only it). Then one witness is stopped and an event recorded through the server: once
// the server has published a checkpoint the other two cosigned, the page shows the stopped one
// as 无法连接 with the server's reason, and the check still passes. Expected values come from
// /v1/witnesses; the screen is checked for English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { launch, openPage } from './console.mjs';

const BIN = process.env.CREDITLOG_BIN;
const SHOTS = (process.env.SCREENSHOT_DIRS || '').split(':').filter(Boolean);
// Logs go with the other artifacts, never among the screenshots of the docs.
const LOG_DIRS = SHOTS.filter((dir) => !dir.endsWith(path.join('docs', 'screenshots')));
assert.ok(BIN, 'CREDITLOG_BIN names the creditlog binary (scripts/web-test sets it)');

const WITNESSES = ['audit', 'court', 'congress'];
const STOPPED = 'congress';
// The token's name is one console.mjs knows as data, not English.
const TOKEN_NAME = 'web-test-inspector';
const env = { ...process.env, CREDITLOG_PASSPHRASE: process.env.CREDITLOG_PASSPHRASE || 'web-test-passphrase' };

let tmp;
let browser;
const processes = new Map();  // name → {child, log, port}
let base;
let token;

async function cli(args) {
  try {
    return (await promisify(execFile)(BIN, args, { timeout: 120000, env })).stdout;
  } catch (err) {
    throw new Error(`creditlog ${args.slice(0, 2).join(' ')}: ${err.stderr || err.message}`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function tail(file) {
  try { return (await readFile(file, 'utf8')).split('\n').slice(-15).join('\n'); } catch { return ''; }
}

// Starts `creditlog ...args --listen 127.0.0.1:PORT` on a free port and waits for its /healthz;
// a port taken between choosing and binding is retried with another.
async function start(name, args) {
  const log = path.join(tmp, `${name}.log`);
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const out = createWriteStream(log);
    const child = spawn(BIN, [...args, '--listen', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    let exited = false;
    child.once('exit', () => { exited = true; });
    for (let i = 0; i < 100 && !exited; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) {
          processes.set(name, { child, log, port });
          return `http://127.0.0.1:${port}`;
        }
      } catch { /* not listening yet */ }
      await sleep(100);
    }
    if (!exited) child.kill('SIGTERM');
  }
  throw new Error(`${name} did not start:\n${await tail(log)}`);
}

async function stop(name) {
  const p = processes.get(name);
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((resolve) => p.child.once('exit', resolve));
  p.child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}

async function json(route) {
  const res = await fetch(base + route);
  assert.equal(res.status, 200, `GET ${route}: HTTP ${res.status}`);
  return res.json();
}

// Polls /v1/witnesses until `done(state)`; fails naming the last state and the server's log.
async function waitFor(what, done, ms = 30000) {
  let state = null;
  for (const until = Date.now() + ms; Date.now() < until; await sleep(200)) {
    const res = await fetch(`${base}/v1/witnesses`);
    if (res.ok) {
      state = await res.json();
      if (done(state)) return state;
    }
  }
  throw new Error(`${what}: not within ${ms} ms; /v1/witnesses: ${JSON.stringify(state)}\n${await tail(processes.get('server').log)}`);
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'creditlog-witnesses-'));
  const data = path.join(tmp, 'log');
  await cli(['init', '--data', data, '--origin', 'witnesses.test.example/log']);
  await cli(['demo', '--data', data, '--subjects', '20', '--quiet']);
  const logKey = (await cli(['verifier-key', '--data', data])).trim();

  const lines = ['# Two of three institutions cosign before the log publishes (tests/web/witnesses.test.mjs).', `log ${logKey}`];
  for (const name of WITNESSES) {
    const dir = path.join(tmp, `witness-${name}`);
    const made = JSON.parse(await cli(['witness', 'init', '--data', dir, '--name', `${name}.witness.example`, '--json']));
    const url = await start(name, ['witness', 'serve', '--data', dir, '--log', logKey]);
    lines.push(`witness ${name} ${made.verifier_key} ${url}`);
  }
  lines.push(`group city 2 ${WITNESSES.join(' ')}`, 'quorum city');
  const policy = path.join(tmp, 'city.policy');
  await writeFile(policy, `${lines.join('\n')}\n`);

  const made = JSON.parse(await cli(['tokens', 'new', '--role', 'inspector', '--name', TOKEN_NAME, '--json']));
  token = made.token;
  const config = path.join(tmp, 'serve.json');
  await writeFile(config, JSON.stringify({ tokens: [made.config_entry] }));
  const serve = ['serve', '--data', data, '--allow-root-key', '--config', config, '--witness-policy', policy];
  if (process.env.WEB_DIR) serve.push('--web-dir', process.env.WEB_DIR);
  base = await start('server', serve);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const name of processes.keys()) await stop(name);
  for (const dir of LOG_DIRS) {
    await mkdir(dir, { recursive: true });
    for (const [name, p] of processes) await copyFile(p.log, path.join(dir, `witnesses-${name}.log`)).catch(() => {});
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function shot(locator, name) {
  for (const dir of SHOTS) {
    await mkdir(dir, { recursive: true });
    await locator.screenshot({ path: path.join(dir, name) });
  }
}

// The browser's own date and time of a cosignature (its time zone): YYYY-MM-DD HH:MM:SS.
function localTimes(page, timestamps) {
  return page.evaluate((ts) => ts.map((s) => {
    const d = new Date(s * 1000);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }), timestamps);
}

async function openEntry(seq, { route, width = 1366 } = {}) {
  // The signing key's name is the office's choice (e.g. market): data, shown as recorded.
  const res = await fetch(`${base}/v1/entries/${seq}?purpose=supervision`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `GET /v1/entries/${seq}: HTTP ${res.status}`);
  const keyName = (await res.json()).signer?.key_name;
  const { context, page } = await openPage(browser, { token, width, mobile: width < 600, data: keyName ? [keyName] : [] });
  if (route) await page.route('**/v1/checkpoint', route);
  await page.goto(`${base}/#/entry/${seq}`);
  await page.waitForSelector('#verdict[data-ok]');
  return { context, page };
}

const checkState = (page) => page.locator('#checks li').evaluateAll((lis) => Object.fromEntries(lis.map((li) => [li.dataset.check, li.dataset.ok === 'true'])));
const detail = (page) => page.locator('#checks li[data-check="witnesses"] .detail').innerText();

// The card's row of each witness: state, size, this page's checkpoint, why not.
async function rows(page) {
  return page.locator('#witnesses-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    name: tr.dataset.witness,
    who: tr.cells[0].innerText,
    state: tr.cells[1].innerText,
    stateCode: tr.querySelector('[data-state]').dataset.state,
    size: tr.cells[2].innerText,
    at: tr.cells[3].innerText,
    here: tr.cells[4].innerText,
    cosigned: tr.dataset.cosigned,
    why: tr.cells[5].innerText,
  })));
}

let first;  // /v1/witnesses with all three cosigning

test('见证: the witnesses check passes with the three cosigners named, and the card shows each 正常', { timeout: 90000 }, async () => {
  first = await waitFor('a checkpoint cosigned by all three witnesses',
    (w) => w.published && w.published.cosigned_by.length === 3 && w.witnesses.every((x) => x.state === 'ok' && x.cosigned_size === w.published.size));
  assert.equal(first.quorum, '2 of (audit, court, congress)');
  const seq = first.published.size - 1;
  const { context, page } = await openEntry(seq);
  assert.ok(page.requests.some((u) => u.endsWith('/v1/witnesses')), 'the page reads /v1/witnesses');
  assert.equal(await page.locator('#verdict').getAttribute('data-ok'), 'true', await page.locator('#verdict').innerText());
  assert.deepEqual(await checkState(page), { checkpoint: true, leaf: true, inclusion: true, author: true, embedded: true, witnesses: true });
  assert.equal(await page.locator('#checks li[data-check="witnesses"] strong').innerText(), '见证方联署（法定人数）');

  // Who cosigned and when, in the browser's time, and the quorum met.
  const text = await detail(page);
  const times = await localTimes(page, first.published.cosigned_by.map((c) => c.timestamp));
  assert.ok(text.startsWith('3 个见证方中 3 个联署'), text);
  first.published.cosigned_by.forEach((c, i) => assert.ok(text.includes(`${c.witness} 于 ${times[i]} 联署`), `${c.witness} at ${times[i]}: ${text}`));
  assert.ok(text.includes('已达到法定人数：（audit、court、congress）中至少 2 个'), text);

  // The card: the quorum in words, the published checkpoint and its cosigners, a row a witness.
  const card = page.locator('#witnesses');
  assert.equal(await card.locator('h2').innerText(), '见证');
  assert.equal(await page.locator('#witnesses-quorum').innerText(), '法定人数：（audit、court、congress）中至少 2 个');
  assert.equal(await page.locator('#witnesses-published').innerText(), `已公布的检查点：大小 ${first.published.size}，联署方：audit、court、congress`);
  // Times in the browser's zone, which the page names (UTC+8 in China).
  const zone = await page.evaluate(() => {
    const offset = -new Date().getTimezoneOffset();
    return `UTC${offset < 0 ? '-' : '+'}${Math.floor(Math.abs(offset) / 60)}${Math.abs(offset) % 60 ? `:${String(Math.abs(offset) % 60).padStart(2, '0')}` : ''}`;
  });
  assert.ok(text.endsWith(`时间为本机时区 ${zone}`), text);
  assert.deepEqual(await page.locator('#witnesses-table thead th').allInnerTexts(),
    ['见证方', '状态', '最近联署的大小', `联署时间（${zone}）`, '本页检查点', '未联署的原因']);
  const shown = await rows(page);
  assert.deepEqual(shown.map((r) => r.name), WITNESSES);
  const cosignedAt = await localTimes(page, first.witnesses.map((w) => w.cosigned_at_ms / 1000));
  for (const [i, w] of first.witnesses.entries()) {
    const r = shown[i];
    assert.equal(r.at.replace(/\s+/g, ' '), cosignedAt[i], `${w.name}: when the server last had its cosignature`);
    assert.ok(r.who.includes(w.key) && r.who.includes(w.url), `${w.name}: its key and address`);
    assert.deepEqual([r.state, r.stateCode, r.size, r.here, r.cosigned, r.why], ['正常', 'ok', String(w.cosigned_size), '已联署（已验证）', 'yes', '—'], w.name);
  }
  // Names, keys and addresses are codes.
  assert.equal(await card.locator('code.mono', { hasText: /^audit$/ }).count(), 3);  // the quorum, the cosigners, the row
  await page.assertChinese('the entry page with witnesses');
  page.assertNoErrors();
  await context.close();
});

test('见证: a cosignature with a flipped bit, or a quorum not met, fails the witnesses check and only it', { timeout: 60000 }, async () => {
  const seq = first.published.size - 1;
  // The court's line, its signature's first byte flipped; the key ID still names the court.
  const flip = (note) => note.replace(/^(— court\.witness\.example )(\S+)$/m, (line, head, b64) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[12] ^= 0x01;
    return head + bytes.toString('base64');
  });
  const onlyAudit = (note) => note.split('\n').filter((l) => !/^— (court|congress)\.witness\.example /.test(l)).join('\n');
  for (const [what, change, expect] of [
    ['a flipped bit in the court\'s cosignature', flip, ['court 的联署签名无效', '3 个见证方中 2 个联署']],
    ['only the audit bureau\'s cosignature', onlyAudit, ['3 个见证方中 1 个联署', 'court 未联署', 'congress 未联署', '未达到法定人数']],
  ]) {
    const route = async (r) => {
      const res = await r.fetch();
      await r.fulfill({ response: res, body: change(await res.text()) });
    };
    const { context, page } = await openEntry(seq, { route });
    assert.equal(await page.locator('#verdict').getAttribute('data-ok'), 'false', what);
    assert.equal(await page.locator('#verdict').innerText(), '✗ 验证失败');
    assert.deepEqual(await checkState(page), { checkpoint: true, leaf: true, inclusion: true, author: true, embedded: true, witnesses: false }, what);
    const text = await detail(page);
    for (const words of expect) assert.ok(text.includes(words), `${what}: ${words} in ${text}`);
    if (change === flip) {
      assert.deepEqual((await rows(page)).map((r) => r.cosigned), ['yes', 'bad', 'yes']);
      assert.equal((await rows(page))[1].here, '联署签名无效');
    }
    page.assertNoErrors();
    await context.close();
  }
  // Before the quorum has cosigned any checkpoint the server has none to give (404): the page
  // says so, fails, and shows the witnesses' states.
  const none = async (r) => r.fulfill({ status: 404, contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'not_found', message: 'no checkpoint has been cosigned by the witness policy\'s quorum yet' } }) });
  const { context, page } = await openEntry(seq, { route: none });
  assert.equal(await page.locator('#verdict').getAttribute('data-ok'), 'false');
  assert.equal(await page.locator('#verdict .detail').innerText(), '尚无经法定人数见证方联署的检查点，服务器暂不公布检查点');
  assert.equal(await page.locator('#witnesses-table tbody tr').count(), WITNESSES.length);
  await page.assertChinese('an entry before any witnessed checkpoint');
  page.assertNoErrors();
  await context.close();
});

test('见证: a witness stopped is 无法连接 with the server\'s reason, and two of three still make the quorum', { timeout: 90000 }, async () => {
  const earlier = first.published.size;
  await stop(STOPPED);
  // An event recorded through the server: the next checkpoint is sent to the witnesses.
  const events = path.join(tmp, 'event.jsonl');
  await writeFile(events, `${JSON.stringify({ event_id: 'web-witnesses/register', subject: '91370202MA3C4D5E7X', body_type: 'SubjectRegistered',
    body: { kind: 'Enterprise', name: '青岛蓝海食品有限公司', division: '370202' } })}\n`);
  await cli(['record', '--server', base, '--key', path.join(tmp, 'log', 'keys', 'agencies', 'market.key'), '--quiet', events]);
  const now = await waitFor(`${STOPPED} unreachable and a checkpoint past ${earlier} published`,
    (w) => w.published?.size > earlier && w.witnesses.find((x) => x.name === STOPPED).state === 'unreachable');
  assert.deepEqual(now.published.cosigned_by.map((c) => c.witness), ['audit', 'court']);
  const stopped = now.witnesses.find((x) => x.name === STOPPED);
  assert.ok(stopped.error, 'the server says why');
  assert.equal(stopped.cosigned_size, earlier, 'its last cosignature was of the earlier checkpoint');

  // The entry just recorded, in the checkpoint the other two cosigned.
  const { context, page } = await openEntry(earlier);
  assert.equal(await page.locator('#verdict').getAttribute('data-ok'), 'true', await page.locator('#verdict').innerText());
  assert.deepEqual(await checkState(page), { checkpoint: true, leaf: true, inclusion: true, author: true, embedded: true, witnesses: true });
  const text = await detail(page);
  assert.ok(text.startsWith('3 个见证方中 2 个联署'), text);
  assert.ok(text.includes(`${STOPPED} 未联署`) && text.includes('已达到法定人数'), text);

  assert.equal(await page.locator('#witnesses-published').innerText(), `已公布的检查点：大小 ${now.published.size}，联署方：audit、court`);
  const shown = await rows(page);
  for (const [i, w] of now.witnesses.entries()) {
    const r = shown[i];
    assert.equal(r.name, w.name);
    assert.equal(r.size, String(w.cosigned_size), `${w.name}: the size it last cosigned`);
    if (w.name === STOPPED) {
      assert.deepEqual([r.state, r.stateCode, r.here, r.cosigned], ['无法连接', 'unreachable', '未联署', 'no']);
      assert.equal(r.why, stopped.error, 'the server\'s reason, as it is');
      assert.equal(await page.locator(`#witnesses-table tr[data-witness="${STOPPED}"] .wit-error`).evaluate((el) => el.classList.contains('mono')), true);
    } else {
      assert.deepEqual([r.state, r.here, r.why], ['正常', '已联署（已验证）', '—'], w.name);
    }
  }
  await page.assertChinese('the entry page with a witness unreachable');
  await shot(page.locator('#witnesses'), 'console-witnesses.png');
  page.assertNoErrors();

  // On a phone and a tablet: nothing of the card wider than the screen, its rows as cards.
  for (const width of [390, 768]) {
    const small = await openEntry(earlier, { width });
    const wide = await small.page.evaluate((W) => {
      const bad = [];
      if (document.documentElement.scrollWidth > W) bad.push(`the page is ${document.documentElement.scrollWidth} px wide`);
      for (const el of document.querySelectorAll('#witnesses, #witnesses *')) {
        if (el.closest('thead')) continue;  // clipped to a pixel: read out, not shown
        const r = el.getBoundingClientRect();
        if (r.width && (r.left < -1 || r.right > W + 1)) bad.push(`${el.tagName.toLowerCase()}.${el.className}: ${Math.round(r.left)}..${Math.round(r.right)}`);
      }
      return bad;
    }, width);
    assert.deepEqual(wide, [], `the 见证 card at ${width} px`);
    assert.equal(await small.page.locator('#witnesses-table thead').evaluate((el) => el.getBoundingClientRect().height <= 2), true,
      `at ${width} px each value is labelled with its column, not under a header row`);
    assert.equal(await small.page.locator(`#witnesses-table tr[data-witness="${STOPPED}"] td`).nth(1).getAttribute('data-label'), '状态');
    await small.page.assertChinese(`the 见证 card at ${width} px`);
    if (width === 390) await shot(small.page.locator('#witnesses'), 'console-witnesses-390.png');
    small.page.assertNoErrors();
    await small.context.close();
  }

  // In English: the same card in English words.
  await page.evaluate(() => localStorage.setItem('creditlog.lang', 'en'));
  await page.reload();
  await page.waitForSelector('#verdict[data-ok="true"]');
  assert.equal(await page.locator('#witnesses h2').innerText(), 'Witnesses');
  assert.equal(await page.locator('#witnesses-quorum').innerText(), 'Quorum: 2 of (audit, court, congress)');
  assert.equal(await page.locator(`#witnesses-table tr[data-witness="${STOPPED}"] [data-state]`).innerText(), 'unreachable');
  assert.equal(await page.locator('#checks li[data-check="witnesses"] strong').innerText(), 'Witnesses’ cosignatures (quorum)');
  page.assertNoErrors();
  await context.close();
});

test('without a witness policy (scripts/web-test\'s server): no witnesses check and no 见证 card', { timeout: 60000, skip: !process.env.BASE_URL && 'BASE_URL is not set' }, async () => {
  const witnesses = await (await fetch(`${process.env.BASE_URL}/v1/witnesses`)).json();
  assert.deepEqual([witnesses.quorum, witnesses.published, witnesses.witnesses], ['none', null, []]);
  const { context, page } = await openPage(browser, { token: process.env.INSPECTOR_TOKEN, data: ['root'] });
  await page.goto(`${process.env.BASE_URL}/#/entry/1`);
  await page.waitForSelector('#verdict[data-ok]');
  assert.ok(page.requests.some((u) => u.endsWith('/v1/witnesses')), 'the page asks');
  assert.equal(await page.locator('#verdict').getAttribute('data-ok'), 'true');
  assert.deepEqual(await checkState(page), { checkpoint: true, leaf: true, inclusion: true, author: true, embedded: true });
  assert.equal(await page.locator('#witnesses').count(), 0);
  await page.assertChinese('an entry without witnesses');
  page.assertNoErrors();
  await context.close();
});
