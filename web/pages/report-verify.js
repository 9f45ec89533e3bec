// 报告核验: a credit report (专项信用报告) checked in this browser, without asking the office
// (docs/reports.md). Anyone may use it; it reads only the log's verifier key and witness policy.
//   - A report file (creditlog.report/v1), dropped or chosen: checks 1–6 of docs/reports.md
//     ("Verifying") with Web Crypto and the entries' bytes read by entry-reader.js, in order, a
//     row each, the first failure named; check 7 (the facts recomputed by the rules) is
//     creditlog verify-report's. Then the report's facts, shown as verified only when every
//     check passed.
//   - ?s=<base64url of the statement note> (the QR code on the printed report): the statement's
//     signature, and what the office signed, whose facts hash the paper must show.
// The key is the server's /v1/verifier-key unless the reader pastes another (kept for the
// session): a receiver may hold the office's key from elsewhere.
import { get } from '../api.js';
import { h, seqLinks, divisionName } from '../dom.js';
import { t, getLang } from '../i18n.js';
import {
  verifyNote, verifyCheckpoint, verifyWitnesses, parseNote, parseCheckpoint, parseTlogProof, parseVerifierKey, parsePolicy,
  quorumWords, leafHash, rootFromInclusionProof, sha256, toBase64, fromBase64, equal, hasWebCrypto,
} from '../verify.js';
import { readEntry, RULESET_ADOPTED } from '../entry-reader.js';

const KEY_STORE = 'creditlog.reportKey';
const REPORT_FORMAT = 'creditlog.report/v1';
const STATEMENT_HEAD = 'creditlog report v1';
const STATEMENT_KEYS = ['origin', 'number', 'subject', 'as-of', 'purpose', 'issued', 'ruleset', 'stream-length', 'entries', 'checkpoint', 'facts', 'grade'];

function storedKey() {
  try { return sessionStorage.getItem(KEY_STORE) || ''; } catch { return ''; }
}
function storeKey(key) {
  try { if (key) sessionStorage.setItem(KEY_STORE, key); else sessionStorage.removeItem(KEY_STORE); } catch { /* storage blocked */ }
}

const code = (text, cls = '') => h('code', { class: `mono ${cls}`.trim() }, text);

export async function render(view, ctx) {
  document.title = `${t('rv.title')} · creditlog`;
  view.append(h('h1', null, t('rv.title')), h('p', { class: 'muted loading' }, t('loading')));

  const [serverKey, witnesses] = await Promise.all([
    get('/v1/verifier-key', { signal: ctx.signal, text: true }).then((k) => k.trim()).catch((err) => (err.name === 'AbortError' ? Promise.reject(err) : null)),
    get('/v1/witnesses', { signal: ctx.signal }).catch((err) => (err.name === 'AbortError' ? Promise.reject(err) : null)),
  ]);
  if (!ctx.isCurrent()) return;
  const witnessed = witnesses?.witnesses?.length > 0 ? witnesses : null;

  const state = { key: storedKey() || serverKey || '', report: null, fileName: '' };
  const qr = ctx.params.get('s');

  const statementCard = qr !== null ? h('section', { class: 'card', id: 'statement-card' }) : null;
  const result = h('div', { id: 'report-result' });
  const keyCard = h('section', { class: 'card', id: 'key-card' });

  const rerun = async () => {
    paintKey();
    if (statementCard) await showStatement(statementCard, qr, state.key);
    if (state.report) await showReport(result, state, { qr, witnessed, ctx });
  };

  function paintKey() {
    const custom = state.key !== (serverKey || '');
    const input = h('input', {
      id: 'vkey-input', type: 'text', class: 'mono vkey-input', autocomplete: 'off', spellcheck: 'false',
      value: custom ? state.key : '', placeholder: t('rv.key.placeholder'), 'aria-describedby': 'vkey-error',
    });
    const problem = h('span', { class: 'date-error', id: 'vkey-error', role: 'status', 'aria-live': 'polite' });
    const use = (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      try {
        parseVerifierKey(text);
      } catch {
        input.setAttribute('aria-invalid', 'true');
        problem.textContent = t('rv.key.bad');
        return;
      }
      state.key = text;
      storeKey(text === serverKey ? '' : text);
      rerun();
    };
    const reset = () => { state.key = serverKey || ''; storeKey(''); rerun(); };
    let quorum = null;
    if (witnessed) {
      try {
        quorum = quorumWords(parsePolicy(witnessed.policy).quorum).map((p) => (typeof p === 'string' ? p : code(p.name)));
      } catch {
        quorum = [t('wit.badPolicy')];
      }
    }
    keyCard.replaceChildren(...[
      h('h2', null, t('rv.key.title')),
      h('p', null, t('rv.key.server'), ' ',
        serverKey ? code(serverKey, 'vkey') : h('span', { class: 'bad-text' }, t('rv.key.serverMissing'))),
      h('p', { id: 'vkey-used', 'data-key': state.key, 'data-custom': String(custom) },
        custom ? h('strong', { class: 'fair-text' }, t('rv.key.usingOther')) : t('rv.key.usingServer'), ' ',
        state.key ? code(state.key, 'vkey') : null),
      witnessed ? h('p', { id: 'rv-policy' }, t('rv.key.policy'), quorum) : null,
      h('details', { class: 'vkey-other', open: custom || !serverKey },
        h('summary', null, t('rv.key.other')),
        h('p', { class: 'muted small' }, t('rv.key.otherNote')),
        h('form', { class: 'row', id: 'vkey-form', onsubmit: use },
          h('label', { for: 'vkey-input', class: 'visually-hidden' }, t('rv.key.other')),
          input,
          h('button', { type: 'submit', class: 'primary', id: 'vkey-use' }, t('rv.key.use')),
          custom && serverKey ? h('button', { type: 'button', id: 'vkey-reset', onclick: reset }, t('rv.key.reset')) : null),
        problem),
    ].filter(Boolean));
  }

  // The report file: dropped on the zone or chosen with the button.
  const fileInput = h('input', { type: 'file', id: 'report-file', accept: '.json,application/json', class: 'file-input' });
  const load = async (file) => {
    if (!file) return;
    state.fileName = file.name;
    state.report = null;
    let report;
    try {
      report = JSON.parse(await file.text());
      if (!report || typeof report !== 'object' || report.format !== REPORT_FORMAT) throw new Error('format');
    } catch {
      result.replaceChildren(h('div', { class: 'error', role: 'alert', id: 'report-error' },
        h('strong', null, t('rv.notReport', file.name)), h('div', { class: 'detail' }, t('rv.notReportHint'))));
      return;
    }
    state.report = report;
    await showReport(result, state, { qr, witnessed, ctx });
  };
  fileInput.addEventListener('change', () => load(fileInput.files[0]));
  const zone = h('div', { class: 'drop-zone', id: 'drop-zone' },
    h('p', null, t('rv.drop')),
    h('label', { class: 'button primary file-button' }, t('rv.choose'), fileInput),
    h('p', { class: 'muted small' }, t('rv.fileNote1'), code('….report.json'), t('rv.fileNote2')));
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    load(e.dataTransfer?.files?.[0]);
  });
  const dropCard = h('section', { class: 'card', id: 'drop-card' },
    h('h2', null, qr !== null ? t('rv.fileTitleQr') : t('rv.fileTitle')), zone);

  view.replaceChildren(
    h('h1', null, t('rv.title')),
    h('p', { class: 'muted', id: 'rv-note' }, t('rv.note')),
    ...(hasWebCrypto() ? [] : [h('div', { class: 'error', role: 'alert' }, t('entry.noSubtle'))]),
    ...[statementCard, keyCard, dropCard, result].filter(Boolean));
  paintKey();
  if (statementCard) await showStatement(statementCard, qr, state.key);
}

// --- the statement ------------------------------------------------------------------------

// The statement's signed text, "creditlog report v1" then "key value" lines: its fields, with
// checkpoint, facts, entries and stream-length read. Throws, in the reader's language, naming
// what is wrong.
function parseStatement(text) {
  const lines = text.split('\n');
  if (lines[0] !== STATEMENT_HEAD) throw new Error(t('rv.stmt.head', STATEMENT_HEAD));
  const f = {};
  for (const line of lines.slice(1, -1)) {
    const sp = line.indexOf(' ');
    if (sp <= 0) throw new Error(t('rv.stmt.line', line));
    const key = line.slice(0, sp);
    if (key in f) throw new Error(t('rv.stmt.twice', key));
    f[key] = line.slice(sp + 1);
  }
  const missing = STATEMENT_KEYS.filter((k) => !(k in f));
  if (missing.length) throw new Error(t('rv.stmt.missing', missing.join('、')));
  const number = (k, v = f[k]) => {
    if (!/^(0|[1-9][0-9]*)$/.test(v) || !Number.isSafeInteger(Number(v))) throw new Error(t('rv.stmt.bad', k));
    return Number(v);
  };
  const hash = (k, v) => {
    let bytes;
    try { bytes = fromBase64(v); } catch { bytes = null; }
    if (!bytes || bytes.length !== 32) throw new Error(t('rv.stmt.bad', k));
    return bytes;
  };
  const [cpSize, cpRoot, ...cpRest] = f.checkpoint.split(' ');
  if (cpRest.length) throw new Error(t('rv.stmt.bad', 'checkpoint'));
  const [rulesetVersion, rulesetSeq, ...rsRest] = f.ruleset.split(' ');
  if (rsRest.length || rulesetSeq === undefined) throw new Error(t('rv.stmt.bad', 'ruleset'));
  return {
    fields: f,
    origin: f.origin,
    number: f.number,
    subject: f.subject,
    asOf: f['as-of'],
    purpose: f.purpose,
    issued: f.issued,
    grade: f.grade,
    ruleset: { version: rulesetVersion, seq: number('ruleset', rulesetSeq) },
    streamLength: number('stream-length'),
    entries: number('entries'),
    checkpoint: { size: number('checkpoint', cpSize), root: hash('checkpoint', cpRoot || '') },
    facts: hash('facts', f.facts),
  };
}

// The statement of a QR code: base64url (padding optional) of the note's UTF-8.
function decodeQr(s) {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = fromBase64(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

// Verifies the statement note with the key: {ok, statement (parsed, or null), detail}.
async function checkStatement(note, key) {
  let parsed = null;
  let text;
  try {
    ({ text } = parseNote(note, 'statement'));
  } catch {
    return { ok: false, statement: null, detail: t('rv.stmt.notNote') };
  }
  try {
    parsed = parseStatement(text);
  } catch (err) {
    return { ok: false, statement: null, detail: t('rv.stmt.unreadable', err.message) };
  }
  try {
    const r = await verifyNote(note, key, 'statement');
    if (!r.ok) return { ok: false, statement: parsed, detail: signatureDetail(r) };
    if (parsed.origin !== r.key.name) return { ok: false, statement: parsed, detail: t('rv.c1.origin', parsed.origin, r.key.name) };
    return { ok: true, statement: parsed, detail: t('rv.c1.ok', r.detail, parsed.origin) };
  } catch (err) {
    return { ok: false, statement: parsed, detail: err.message };
  }
}

// Why a note's signature did not verify: a signature line that is not the key's signature of
// the text, or what verify.js said (no line of that key, a key whose hash is wrong).
function signatureDetail(r) {
  const id = `${r.key.name}+${r.key.hash}`;
  return r.why === 'badSignature' ? t('rv.badSig', id) : r.why === 'noSignature' ? t('rv.noSig', id) : r.detail;
}

// The purpose the report was asked for, in Chinese as signed ("-": none named).
function purposeText(purpose) {
  return !purpose || purpose === '-' ? '—' : purpose;
}

function gradeText(grade) {
  return [h('span', { class: `grade-chip grade-${grade}` }, grade), ' ', t(`grade.${grade}`)];
}

async function showStatement(card, qr, key) {
  let note = null;
  try { note = decodeQr(qr); } catch { note = null; }
  const verdict = h('div', { id: 'statement-verdict', class: 'verdict pending', role: 'status' }, t('entry.verifying'));
  card.replaceChildren(h('h2', null, t('rv.qr.title')), verdict);
  const r = note === null ? { ok: false, statement: null, detail: t('rv.qr.unreadable') }
    : !hasWebCrypto() ? { ok: false, statement: null, detail: t('entry.noSubtle') }
      : await checkStatement(note, key);
  verdict.className = `verdict ${r.ok ? 'ok' : 'bad'}`;
  verdict.dataset.ok = String(r.ok);
  verdict.replaceChildren(`${r.ok ? '✓' : '✗'} ${r.ok ? t('rv.qr.ok') : t('rv.qr.bad')}`, h('div', { class: 'detail' }, r.detail));
  card.dataset.ok = String(r.ok);
  const s = r.statement;
  if (!s) return;
  const rows = [
    ['number', t('rv.f.number'), code(s.number)],
    ['subject', t('rv.f.subject'), code(s.subject)],
    ['as-of', t('rv.f.asOf'), s.asOf],
    ['grade', t('rv.f.grade'), gradeText(s.grade)],
    ['facts', t('rv.f.facts'), code(s.fields.facts, 'hash')],
    ['checkpoint', t('rv.f.checkpointSize'), String(s.checkpoint.size)],
    ['issued', t('rv.f.issued'), s.issued],
    ['purpose', t('rv.f.purpose'), purposeText(s.purpose)],
  ];
  card.append(
    h('dl', { class: `facts statement-fields${r.ok ? '' : ' unverified'}`, id: 'statement-fields' },
      rows.map(([k, name, value]) => [h('dt', null, name), h('dd', { 'data-field': k }, value)])),
    r.ok
      ? h('p', { class: 'compare-note', id: 'statement-compare' }, t('rv.qr.compare'))
      : h('p', { class: 'bad-text', id: 'statement-compare' }, t('rv.qr.untrusted')));
}

// --- the report file: checks 1 to 7 ------------------------------------------------------

// Structural equality of two JSON values (object keys in any order).
function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
}

// The checks of docs/reports.md, in order: [{id, step, title, state: ok|bad|unchecked|info,
// detail}], and the statement.
async function verifyReport(report, key, witnessed) {
  const checks = [];
  const add = (id, step, title, state, detail) => checks.push({ id, step, title, state, detail });

  // 1. The statement is signed by the key, and its origin is the key's name.
  const c1 = typeof report.statement === 'string'
    ? await checkStatement(report.statement, key)
    : { ok: false, statement: null, detail: t('rv.missingField', 'statement') };
  const st = c1.statement;
  // The file's number is the one the office signed.
  if (c1.ok && report.number !== st.number) add('statement', 1, t('rv.c1'), 'bad', t('rv.c1.number', String(report.number ?? ''), st.number));
  else add('statement', 1, t('rv.c1'), c1.ok ? 'ok' : 'bad', c1.detail);

  // 2. The checkpoint is signed by the key; with a policy, its cosignatures make the quorum.
  let cp = null;
  try { cp = parseCheckpoint(String(report.checkpoint ?? '')); } catch { cp = null; }
  try {
    const r = await verifyCheckpoint(String(report.checkpoint ?? ''), key);
    add('checkpoint', 2, t('rv.c2'), r.ok ? 'ok' : 'bad',
      `${r.ok ? r.detail : signatureDetail(r)} · ${t('verify.size', r.cp.size)} · ${t('verify.root', toBase64(r.cp.root))}`);
  } catch (err) {
    add('checkpoint', 2, t('rv.c2'), 'bad', t('rv.c2.unreadable', err.message));
  }
  if (witnessed) {
    try {
      const r = await verifyWitnesses(String(report.checkpoint ?? ''), key, witnessed.policy);
      add('witnesses', 2, t('rv.c2w'), r.ok ? 'ok' : 'bad', r.detail);
    } catch (err) {
      add('witnesses', 2, t('rv.c2w'), 'bad', err.message);
    }
  }

  // 3. The checkpoint's size and root are the statement's.
  if (!st || !cp) {
    add('consistent', 3, t('rv.c3'), 'bad', !st ? t('rv.noStatement') : t('rv.noCheckpoint'));
  } else {
    const same = st.checkpoint.size === cp.size && equal(st.checkpoint.root, cp.root);
    add('consistent', 3, t('rv.c3'), same ? 'ok' : 'bad', same
      ? t('rv.c3.ok', cp.size, toBase64(cp.root))
      : t('rv.c3.bad', st.checkpoint.size, toBase64(st.checkpoint.root), cp.size, toBase64(cp.root)));
  }

  // 4. Each proof is in the checkpoint: its checkpoint is the checkpoint, its inclusion proof
  // leads to the root, its entry parses (entry-reader.js) with its index as seq; as many as the
  // statement says.
  const proofs = Array.isArray(report.proofs) ? report.proofs : null;
  const c4title = t('rv.c4', proofs ? proofs.length : 0);
  const entries = [];  // {index, entry (read from its bytes)}, in ascending seq
  let c4problem = '';
  if (!proofs) c4problem = t('rv.missingField', 'proofs');
  else if (!cp) c4problem = t('rv.noCheckpoint');
  else {
    let last = -1;
    for (const [i, text] of proofs.entries()) {
      const which = t('rv.c4.which', i + 1);
      let p;
      try { p = parseTlogProof(String(text)); } catch (err) { c4problem = `${t('kv', which, err.message)}`; break; }
      const at = t('rv.c4.whichSeq', i + 1, p.index);
      if (p.checkpoint !== report.checkpoint) { c4problem = t('rv.c4.otherCheckpoint', at); break; }
      if (!p.extra) { c4problem = t('rv.c4.noEntry', at); break; }
      if (p.index <= last) { c4problem = t('rv.c4.order', at, last); break; }
      last = p.index;
      const root = await rootFromInclusionProof(p.index, cp.size, await leafHash(p.extra), p.hashes);
      if (!root || !equal(root, cp.root)) { c4problem = t('rv.c4.inclusion', at, cp.size); break; }
      let entry;
      try { entry = readEntry(p.extra); } catch (err) { c4problem = t('rv.c4.unreadable', at, err.message); break; }
      if (entry.seq !== p.index) { c4problem = t('rv.c4.seq', at, entry.seq); break; }
      entries.push({ index: p.index, entry });
    }
    if (!c4problem && st && proofs.length !== st.entries) c4problem = t('rv.c4.count', proofs.length, st.entries);
    if (!c4problem && !st) c4problem = t('rv.noStatement');
  }
  if (c4problem) add('proofs', 4, c4title, 'bad', c4problem);
  else add('proofs', 4, c4title, 'ok', t('rv.c4.ok', proofs.length, cp.size));

  // 5. The subject's entries, in seq order, have stream versions 1 to stream-length with no
  // gap, and a ruleset entry is among the entries (as creditlog verify-report checks it).
  const c5title = t('rv.c5', st ? st.streamLength : '?');
  if (!st) add('stream', 5, c5title, 'bad', t('rv.noStatement'));
  else if (c4problem) add('stream', 5, c5title, 'unchecked', t('rv.c5.afterC4'));
  else {
    let next = 1;
    let problem = '';
    for (const { index, entry } of entries) {
      if (entry.subject !== st.subject) continue;
      if (entry.streamVersion !== next) { problem = t('rv.c5.gap', index, entry.streamVersion, next); break; }
      next++;
    }
    if (!problem && next - 1 !== st.streamLength) problem = t('rv.c5.count', next - 1, st.streamLength);
    if (!problem && !entries.some(({ entry }) => entry.bodyType === RULESET_ADOPTED)) problem = t('rv.c5.noRuleset');
    add('stream', 5, c5title, problem ? 'bad' : 'ok', problem || t('rv.c5.ok', st.streamLength));
  }

  // 6. facts_text hashes to the statement's facts, and facts is facts_text parsed.
  if (typeof report.facts_text !== 'string') add('facts', 6, t('rv.c6'), 'bad', t('rv.missingField', 'facts_text'));
  else {
    const digest = await sha256(report.facts_text);
    let parsed;
    try { parsed = JSON.parse(report.facts_text); } catch { parsed = undefined; }
    if (!st) add('facts', 6, t('rv.c6'), 'bad', t('rv.noStatement'));
    else if (!equal(digest, st.facts)) add('facts', 6, t('rv.c6'), 'bad', t('rv.c6.hash', toBase64(digest), st.fields.facts));
    else if (parsed === undefined || !sameJson(parsed, report.facts)) add('facts', 6, t('rv.c6'), 'bad', t('rv.c6.parsed'));
    else add('facts', 6, t('rv.c6'), 'ok', t('rv.c6.ok', toBase64(digest)));
  }

  // 7. The facts recomputed from the entries: creditlog verify-report's.
  add('recompute', 7, t('rv.c7'), 'info', null);
  return { checks, statement: st };
}

async function showReport(result, state, { qr, witnessed, ctx }) {
  const { report } = state;
  const verdict = h('div', { id: 'verdict', class: 'verdict pending', role: 'status' }, t('entry.verifying'));
  const list = h('ol', { id: 'checks', class: 'checks report-checks' });
  result.replaceChildren(
    h('section', { class: 'card verify-card', id: 'report-checks' },
      h('p', { class: 'muted small', id: 'report-file-name' }, t('rv.file'), ' ', code(state.fileName)),
      verdict, h('h2', null, t('rv.checks')), list,
      h('p', { class: 'muted small' }, t('entry.verifiedNote'))));

  const { checks, statement } = hasWebCrypto()
    ? await verifyReport(report, state.key, witnessed)
    : { checks: [], statement: null };
  if (!ctx.isCurrent() || state.report !== report) return;
  const first = checks.find((c) => c.state === 'bad');
  const unchecked = checks.filter((c) => c.state === 'unchecked');
  const verdictState = !hasWebCrypto() || first ? 'bad' : unchecked.length ? 'incomplete' : 'ok';

  list.replaceChildren(...checks.map((c) => h('li', {
    class: c.state === 'ok' ? 'ok' : c.state === 'bad' ? 'bad' : c.state, 'data-check': c.id, 'data-step': String(c.step),
    'data-state': c.state, 'data-ok': String(c.state === 'ok'), 'data-first': c === first ? 'true' : null,
  },
  h('span', { class: 'mark', 'aria-hidden': 'true' }, { ok: '✓', bad: '✗', unchecked: '…', info: '·' }[c.state]),
  c.state === 'unchecked' ? null : h('span', { class: 'visually-hidden' }, t(`rv.state.${c.state}`)),
  h('span', null,
    h('strong', null, `${c.step}. ${c.title}`),
    c === first ? h('span', { class: 'first-failure' }, t('rv.firstFailure')) : null,
    c.state === 'unchecked' ? h('span', { class: 'tag' }, t('rv.state.unchecked')) : null,
    c.id === 'recompute'
      ? h('span', { class: 'detail' }, t('rv.c7.by1'), code('creditlog verify-report'), t('rv.c7.by2'))
      : h('span', { class: 'detail mono' }, c.detail)))));

  verdict.className = `verdict ${verdictState === 'ok' ? 'ok' : verdictState === 'bad' ? 'bad' : 'incomplete'}`;
  verdict.dataset.state = verdictState;
  verdict.dataset.ok = String(verdictState === 'ok');
  if (!hasWebCrypto()) verdict.replaceChildren(`✗ ${t('entry.failed')}`, h('div', { class: 'detail' }, t('entry.noSubtle')));
  else if (first) {
    verdict.replaceChildren(`✗ ${t('rv.verdict.bad', first.step, first.title)}`, h('div', { class: 'detail' }, first.detail));
    verdict.dataset.first = first.id;
  } else if (unchecked.length) {
    verdict.replaceChildren(`… ${t('rv.verdict.incomplete', unchecked.map((c) => c.step).join(t('wit.quorum.sep')))}`);
  } else {
    verdict.replaceChildren(`✓ ${t('rv.verdict.ok')}`);
  }
  result.dataset.verified = verdictState;

  // The QR code scanned and the file: the same statement?
  if (qr !== null && typeof report.statement === 'string') {
    let scanned = null;
    try { scanned = decodeQr(qr); } catch { scanned = null; }
    const same = scanned === report.statement;
    verdict.after(h('p', { id: 'qr-match', class: same ? 'ok-text' : 'bad-text', 'data-same': String(same) },
      same ? t('rv.qr.same') : t('rv.qr.different')));
  }

  if (report.facts && typeof report.facts === 'object') {
    result.append(factsCard(report, statement, verdictState, ctx));
  }
}

// --- the report's contents ----------------------------------------------------------------

function factsCard(report, st, verdictState, ctx) {
  const f = report.facts;
  const subject = f.subject || {};
  const grade = f.grade || {};
  const banner = h('div', { id: 'facts-banner', class: `banner banner-${verdictState}`, role: verdictState === 'ok' ? 'status' : 'alert', 'data-state': verdictState },
    t(`rv.banner.${verdictState}`));
  const zh = getLang() === 'zh';
  const rows = [
    ['number', t('rv.f.number'), code(st?.number || report.number || '')],
    ['name', t('rv.f.name'), subject.name],
    ['subject', t('rv.f.subject'), code(subject.id || '')],
    ['kind', t('rv.f.kind'), zh ? subject.kind_zh || subject.kind : t(`kind.${subject.kind}`)],
    ['division', t('subject.district'), divisionName(subject.division)],
    ['as-of', t('rv.f.asOf'), f.as_of],
    ['purpose', t('rv.f.purpose'), purposeText(st?.purpose)],
    ['issued', t('rv.f.issued'), st?.issued ?? ''],
    ['ruleset', t('rv.f.ruleset'), f.ruleset ? `${f.ruleset.version}（#${f.ruleset.seq}）` : ''],
    ['stream-length', t('rv.f.streamLength'), String(f.stream_length ?? '')],
  ];
  const canOpen = ctx.may('records');
  const sections = (Array.isArray(f.sections) ? f.sections : []).map((s) => {
    const items = Array.isArray(s.items) ? s.items : [];
    const title = zh ? s.title : t(`rv.section.${s.key}`, s.title);
    return h('section', { class: 'report-section', id: `report-section-${s.key}`, 'data-section': s.key },
      h('h3', null, title, ' ', h('span', { class: 'muted small' }, t('rv.items', items.length))),
      items.length
        ? h('ul', { class: 'report-items' }, items.map((it) => h('li', { 'data-state': it.state || '' },
          h('div', { class: 'item-head' },
            h('strong', null, it.title),
            it.state ? h('span', { class: `tag state-${it.state}` }, zh ? it.state_zh || it.state : String(it.state).replace(/_/g, ' ')) : null,
            it.repaired ? h('span', { class: 'tag state-repaired' }, t('rv.repaired')) : null),
          it.text ? h('p', { class: 'item-text' }, it.text) : null,
          h('p', { class: 'muted small' },
            it.rule_name ? [t('kv', t('subject.rule'), it.rule_name), ' · '] : null,
            t('col.seqs'), ' ', seqLinks(it.seqs, canOpen)))))
        : h('p', { class: 'muted' }, t('subject.none')));
  });
  return h('section', { class: `card report-facts facts-${verdictState}`, id: 'report-facts' },
    banner,
    h('h2', null, t('rv.contents')),
    h('dl', { class: 'facts', id: 'report-identity' }, rows.map(([k, name, value]) => [h('dt', null, name), h('dd', { 'data-field': k }, value)])),
    h('div', { class: 'grade-card report-grade', id: 'report-grade' },
      h('div', { class: `grade grade-${grade.grade}` }, grade.grade || '?'),
      h('div', null,
        h('p', null, h('strong', null, t('subject.grade')), ' ', grade.grade ? t(`grade.${grade.grade}`) : ''),
        grade.reason ? h('p', null, grade.reason) : null,
        h('p', { class: 'muted small' }, grade.rule_name ? [t('kv', t('subject.rule'), grade.rule_name), ' · '] : null, t('col.seqs'), ' ', seqLinks(grade.seqs, canOpen)))),
    sections);
}
