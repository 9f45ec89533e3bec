// For the browser tests that run a server of their own (report.test.mjs, check-list.test.mjs):
// the creditlog binary scripts/web-test names (CREDITLOG_BIN), a small demo ledger, subjects
// recorded onto the serious-dishonesty list, and `creditlog serve` on a free loopback port with
// an inspector's token, stopped and its log kept with the artifacts afterwards.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const BIN = process.env.CREDITLOG_BIN;
export const SHOTS = (process.env.SCREENSHOT_DIRS || '').split(':').filter(Boolean);
// Logs go with the other artifacts, never among the screenshots of the docs.
const LOG_DIRS = SHOTS.filter((dir) => !dir.endsWith(path.join('docs', 'screenshots')));
// The token's name is one console.mjs knows as data, not English.
export const TOKEN_NAME = 'web-test-inspector';
const env = { ...process.env, CREDITLOG_PASSPHRASE: process.env.CREDITLOG_PASSPHRASE || 'web-test-passphrase' };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// `creditlog ...args`: its standard output; fails with its standard error.
export async function cli(args) {
  try {
    return (await promisify(execFile)(BIN, args, { timeout: 180000, env, maxBuffer: 64 << 20 })).stdout;
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

async function tail(file) {
  try { return (await readFile(file, 'utf8')).split('\n').slice(-15).join('\n'); } catch { return ''; }
}

// Today in China (UTC+8), and n days before a YYYY-MM-DD date.
export function todayCST() { return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10); }
export function daysBefore(date, n) { return new Date(Date.parse(`${date}T00:00:00Z`) - n * 86400000).toISOString().slice(0, 10); }

// A USCC (GB 32100-2015) from its first 16 characters: registration authority and kind (2),
// division (6) and the organisation code's 8 (GB 11714), then both check characters.
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
export function uscc(first16) {
  let org = 0;
  for (let i = 0; i < 8; i++) org += parseInt(first16[8 + i], 36) * ORG_WEIGHTS[i];
  const o = 11 - (org % 11);
  const first17 = first16 + (o === 10 ? 'X' : o === 11 ? '0' : String(o));
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(first17[i]) * USCC_WEIGHTS[i];
  const c = 31 - (sum % 31);
  return first17 + USCC_CHARS[c === 31 ? 0 : c];
}

// A ledger of its own: `init`, `demo --subjects N`, and each of `serious` ({id, name}) registered,
// fined (Serious) and put on the serious-dishonesty list, dated back from today so that the
// listing is in force. Returns {tmp, data}.
export async function makeLedger(name, { subjects = 30, serious = [] } = {}) {
  assert.ok(BIN, 'CREDITLOG_BIN names the creditlog binary (scripts/web-test sets it)');
  const tmp = await mkdtemp(path.join(os.tmpdir(), `creditlog-${name}-`));
  const data = path.join(tmp, 'log');
  await cli(['init', '--data', data, '--origin', `${name}.test.example/log`]);
  await cli(['demo', '--data', data, '--subjects', String(subjects), '--quiet']);
  const today = todayCST();
  const at = (n) => daysBefore(today, n);
  const penalties = [];
  const listings = [];
  for (const [i, s] of serious.entries()) {
    const tag = `${name}-${i + 1}`;
    const decision = `青市监罚〔${at(120).slice(0, 4)}〕${900 + i}号`;
    penalties.push(
      { event_id: `${tag}/register`, subject: s.id, body_type: 'SubjectRegistered', body: { kind: 'Enterprise', name: s.name, division: s.id.slice(2, 8) } },
      { event_id: `${tag}/penalty`, subject: s.id, body_type: 'PenaltyDecided', body: {
        decision_number: decision, subject_name: s.name, category: '罚款', facts: '销售不符合食品安全标准的食品',
        basis: '《中华人民共和国食品安全法》第一百二十四条', content: '罚款人民币二十万元', fine_fen: 20000000, decision_date: at(120),
        deciding_agency: '11370200MB1B000100', severity: 'Serious' } });
    listings.push(
      { event_id: `${tag}/notice`, subject: s.id, body_type: 'ListingNoticeIssued', body: {
        notice_id: `GZ-${tag}`, list: 'SeriousDishonesty', reason: '受到严重行政处罚', basis: '国办发〔2020〕49号',
        notice_date: at(110), objection_deadline: at(103), related: [decision] } },
      { event_id: `${tag}/listing`, subject: s.id, body_type: 'SeriousListingDecided', body: {
        listing_id: `YZSX-${tag}`, notice_id: `GZ-${tag}`, basis: '国办发〔2020〕49号', decision_date: at(90), term_end_date: '',
        exit_conditions: '履行处罚义务、作出信用承诺并满一年后可申请信用修复' } });
  }
  const jsonl = (events) => `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
  if (serious.length) {
    await writeFile(path.join(tmp, 'penalties.jsonl'), jsonl(penalties));
    await writeFile(path.join(tmp, 'listings.jsonl'), jsonl(listings));
    await cli(['record', '--data', data, '--key', path.join(data, 'keys', 'agencies', 'market.key'), '--quiet', path.join(tmp, 'penalties.jsonl')]);
    await cli(['record', '--data', data, '--key', path.join(data, 'keys', 'agencies', 'ndrc.key'), '--quiet', path.join(tmp, 'listings.jsonl')]);
  }
  return { tmp, data };
}

// `creditlog serve` of the ledger with an inspector's token, on a free port (a port taken between
// choosing and binding is retried with another). Returns {base, token, stop()}.
export async function serve({ tmp, data }, name) {
  const made = JSON.parse(await cli(['tokens', 'new', '--role', 'inspector', '--name', TOKEN_NAME, '--json']));
  const config = path.join(tmp, 'serve.json');
  await writeFile(config, JSON.stringify({ tokens: [made.config_entry] }));
  const args = ['serve', '--data', data, '--allow-root-key', '--config', config];
  if (process.env.WEB_DIR) args.push('--web-dir', process.env.WEB_DIR);
  const log = path.join(tmp, 'server.log');
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const out = createWriteStream(log);
    const child = spawn(BIN, [...args, '--listen', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    let exited = false;
    child.once('exit', () => { exited = true; });
    for (let i = 0; i < 150 && !exited; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) {
          return { base: `http://127.0.0.1:${port}`, token: made.token, stop: () => stop(child, log, name) };
        }
      } catch { /* not listening yet */ }
      await sleep(100);
    }
    if (!exited) child.kill('SIGTERM');
  }
  throw new Error(`the server did not start:\n${await tail(log)}`);
}

async function stop(child, log, name) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const dir of LOG_DIRS) {
    await mkdir(dir, { recursive: true });
    await copyFile(log, path.join(dir, `${name}-server.log`)).catch(() => {});
  }
}

export async function removeLedger(ledger) {
  if (ledger?.tmp) await rm(ledger.tmp, { recursive: true, force: true });
}

export async function shot(locator, name) {
  for (const dir of SHOTS) {
    await mkdir(dir, { recursive: true });
    await locator.screenshot({ path: path.join(dir, name) });
  }
}

// Nothing on the page wider than the screen: the elements that stick out, as text.
export function overflow(page, width) {
  return page.evaluate((W) => {
    const bad = [];
    if (document.documentElement.scrollWidth > W) bad.push(`the page is ${document.documentElement.scrollWidth} px wide`);
    for (const el of document.querySelectorAll('#main *')) {
      if (el.closest('thead') || el.closest('.visually-hidden') || el.matches('input[type="file"], .date-native')) continue;
      const r = el.getBoundingClientRect();
      if (r.width && (r.left < -1 || r.right > W + 1)) bad.push(`${el.tagName.toLowerCase()}.${el.className}: ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
    return bad;
  }, width);
}
