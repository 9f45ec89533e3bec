// 批量核查 (inspectors): a list of subjects, one USCC or name a line (typed, pasted, or from a
// .txt or .csv file), checked at once as of a date. The lines go to POST /v1/check-list in
// chunks of 50 (the server takes up to 500), with progress and a cancel button; each line is a
// read of a file, named with the session's purpose. A row a line: the subject found, its grade,
// lists and measures, or why it was not found (and, for a name shared by several, who they
// are). The rows export as CSV (UTF-8 with a BOM), and the found subjects' credit reports come
// as one zip (POST /v1/reports, up to 100 subjects).
import { post, errorBox } from '../api.js';
import { h, enc, hashFor, dateField, todayCST, isDate, divisionName, saveBlob, saveCsv, table } from '../dom.js';
import { t, label, getLang } from '../i18n.js';

const CHUNK = 50;
const REPORTS_MAX = 100;
const RETRIES = 5;
const STORE = 'creditlog.checkList';

function remembered() {
  try { return JSON.parse(sessionStorage.getItem(STORE) || '{}') || {}; } catch { return {}; }
}
function remember(what) {
  try { sessionStorage.setItem(STORE, JSON.stringify(what)); } catch { /* storage blocked */ }
}

// The lines of a list: each line trimmed, empty ones left out. From a .csv file, the first
// field of each line.
export function listLines(text, csv = false) {
  return String(text).replace(/^\uFEFF/, '').split(/\r?\n/).map((line) => (csv ? firstField(line) : line).trim()).filter(Boolean);
}

function firstField(line) {
  if (!line.startsWith('"')) return line.split(',')[0];
  let out = '';
  for (let i = 1; i < line.length; i++) {
    if (line[i] === '"' && line[i + 1] === '"') { out += '"'; i++; } else if (line[i] === '"') break; else out += line[i];
  }
  return out;
}

const sleep = (ms, signal) => new Promise((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); reject(new DOMException('aborted', 'AbortError')); }, { once: true });
});

export function render(view, ctx) {
  document.title = `${t('cl.title')} · creditlog`;
  view.append(h('h1', null, t('cl.title')));
  if (!ctx.may('records')) {
    view.append(errorBox({ status: ctx.role === 'public' ? 401 : 403 }));
    return;
  }
  const saved = remembered();
  let asOf = isDate(saved.as_of) ? saved.as_of : todayCST();

  const textarea = h('textarea', {
    id: 'cl-lines', rows: '10', spellcheck: 'false', autocomplete: 'off', placeholder: t('cl.placeholder'), class: 'cl-lines',
  });
  textarea.value = saved.text || '';
  const count = h('span', { class: 'muted small', id: 'cl-count', 'aria-live': 'polite' });
  const counted = () => {
    const n = listLines(textarea.value).length;
    count.textContent = n ? t('cl.count', n) : '';
    remember({ text: textarea.value, as_of: asOf });
  };
  textarea.addEventListener('input', counted);
  const fileInput = h('input', { type: 'file', id: 'cl-file', accept: '.txt,.csv,text/plain,text/csv', class: 'file-input' });
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files[0];
    if (!file) return;
    textarea.value = listLines(await file.text(), /\.csv$/i.test(file.name)).join('\n');
    fileInput.value = '';
    counted();
  });
  const asOfField = dateField({ id: 'cl-as-of', value: asOf, max: todayCST(), onchange: (v) => { asOf = v || todayCST(); counted(); } });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'cl-submit' }, t('cl.submit'));
  const cancel = h('button', { type: 'button', id: 'cl-cancel', hidden: true }, t('cl.cancel'));
  const problem = h('p', { class: 'date-error', id: 'cl-problem', role: 'status', 'aria-live': 'polite' });
  const form = h('form', { class: 'card cl-form', id: 'cl-form', onsubmit: (e) => { e.preventDefault(); run(); } },
    h('div', { class: 'field' }, h('label', { for: 'cl-lines' }, t('cl.lines')), textarea, count),
    h('div', { class: 'cl-controls' },
      h('div', { class: 'field' }, h('span', { class: 'field-label' }, t('cl.file')),
        h('label', { class: 'button file-button' }, t('cl.chooseFile'), fileInput)),
      h('div', { class: 'field' }, h('label', { for: 'cl-as-of' }, t('subject.asOf')), asOfField),
      h('div', { class: 'row cl-buttons' }, submit, cancel)),
    problem);

  const progress = h('div', { id: 'cl-progress', class: 'cl-progress', hidden: true, role: 'status', 'aria-live': 'polite' });
  const output = h('div', { id: 'cl-output' });
  view.append(h('p', { class: 'muted', id: 'cl-note' }, t('cl.note')), form, progress, output);
  counted();

  let controller = null;
  ctx.signal.addEventListener('abort', () => controller?.abort());
  cancel.addEventListener('click', () => controller?.abort());

  // One chunk, waiting as the server says when it is busy (429 with Retry-After).
  async function ask(body, signal, shown) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await post('/v1/check-list', body, { signal });
      } catch (err) {
        if (err.status !== 429 || attempt >= RETRIES) throw err;
        const wait = Math.min(Math.max(Number(err.retryAfter) || 1, 1), 60);
        shown(t('cl.busy', wait));
        await sleep(wait * 1000, signal);
      }
    }
  }

  async function run() {
    const lines = listLines(textarea.value);
    problem.textContent = '';
    if (!lines.length) { problem.textContent = t('cl.empty'); return; }
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    const rows = [];
    let answeredAsOf = asOf;
    let error = null;
    let cancelled = false;
    submit.disabled = true;
    cancel.hidden = false;
    progress.hidden = false;
    const shown = (extra = '') => {
      progress.replaceChildren(
        h('progress', { max: String(lines.length), value: String(rows.length) }),
        h('span', { id: 'cl-progress-text' }, t('cl.progress', rows.length, lines.length)),
        h('span', { class: 'muted small' }, extra));
    };
    shown();
    output.replaceChildren();
    for (let off = 0; off < lines.length; off += CHUNK) {
      const chunk = lines.slice(off, off + CHUNK);
      let answer;
      try {
        answer = await ask({ as_of: asOf, lines: chunk }, mine.signal, shown);
      } catch (err) {
        if (err.name === 'AbortError') cancelled = true; else error = err;
        break;
      }
      if (controller !== mine) return;
      answeredAsOf = answer.as_of || asOf;
      for (const r of answer.rows || []) rows.push({ ...r, index: off + r.line });
      shown();
      paint(rows, answeredAsOf, { running: off + CHUNK < lines.length });
    }
    if (controller !== mine || !ctx.isCurrent()) return;
    controller = null;
    submit.disabled = false;
    cancel.hidden = true;
    progress.dataset.done = 'true';
    progress.replaceChildren(...[
      h('progress', { max: String(lines.length), value: String(rows.length) }),
      h('span', { id: 'cl-progress-text' }, t('cl.progress', rows.length, lines.length)),
      cancelled ? h('strong', { class: 'fair-text', id: 'cl-cancelled' }, t('cl.cancelled')) : null,
    ].filter(Boolean));
    paint(rows, answeredAsOf, { running: false });
    if (error) output.prepend(errorBox(error));
  }

  function paint(rows, dataAsOf, { running }) {
    const found = rows.filter((r) => r.found);
    const serious = found.filter((r) => (r.lists || []).some((l) => l.list === 'SeriousDishonesty'));
    const subjects = [...new Set(found.map((r) => r.subject))];
    const summary = h('p', { id: 'cl-summary', 'data-found': String(found.length), 'data-not-found': String(rows.length - found.length) },
      t('cl.summary', dataAsOf, rows.length, found.length, rows.length - found.length),
      serious.length ? h('strong', { class: 'bad-text' }, t('cl.serious', serious.length)) : null);
    const reportsStatus = h('span', { id: 'cl-reports-status', class: 'muted small', 'aria-live': 'polite' },
      subjects.length > REPORTS_MAX ? t('cl.reportsTooMany', REPORTS_MAX) : '');
    const reports = h('button', {
      type: 'button', id: 'cl-reports', disabled: running || !subjects.length || subjects.length > REPORTS_MAX,
      onclick: async () => {
        reports.disabled = true;
        reportsStatus.replaceChildren(t('cl.reportsMaking', subjects.length));
        try {
          const blob = await post('/v1/reports', { as_of: dataAsOf, subjects }, { signal: ctx.signal, binary: true });
          saveBlob(blob, t('cl.zipName', dataAsOf));
          reportsStatus.replaceChildren(t('cl.reportsSaved', subjects.length));
        } catch (err) {
          if (err.name === 'AbortError') return;
          reportsStatus.replaceChildren(errorBox(err));
        } finally {
          reports.disabled = false;
        }
      },
    }, t('cl.reports', subjects.length));
    const csv = h('button', {
      type: 'button', id: 'cl-csv', class: 'primary', disabled: running || !rows.length,
      onclick: () => saveCsv(csvRows(rows), t('cl.csvName', dataAsOf)),
    }, t('lists.export'));
    const list = table([t('cl.col.index'), t('cl.col.input'), t('cl.col.name'), t('col.subject'), t('subject.grade'), t('col.list'), t('subject.measures')],
      rows.map((r) => cells(r, dataAsOf)), { id: 'cl-table', class: 'tablet-cards' });
    list.querySelectorAll('tbody tr').forEach((tr, i) => {
      const r = rows[i];
      tr.dataset.line = String(r.index);
      tr.dataset.found = String(Boolean(r.found));
      if (r.found) tr.dataset.subject = r.subject; else tr.classList.add('miss');
    });
    output.replaceChildren(h('section', { class: 'card', id: 'cl-result' },
      h('div', { class: 'row spread' }, summary, h('div', { class: 'row' }, csv, reports)),
      reportsStatus, list));
  }
}

// A list's and a kind's name in the chosen language; the server's Chinese for one the console
// does not know.
const known = (key) => t(key) !== key;
const listName = (l) => (known(`list.${l.list}`) || !l.list_zh ? label('list', l.list) : l.list_zh);
const kindName = (r) => (known(`kind.${r.kind}`) || !r.kind_zh ? label('kind', r.kind) : r.kind_zh);

function listBadges(lists) {
  return (lists || []).map((l) => h('span', {
    class: `list-badge${l.list === 'SeriousDishonesty' ? ' list-serious' : ''}`, 'data-list': l.list,
    title: l.until ? t('check.since', l.since, l.until) : l.since ? t('check.since', l.since) : null,
  }, listName(l)));
}

// Why a line was not found, in the reader's language: a name several subjects bear, or no
// subject at all. The server says it in English (error), kept as it is behind 服务器原文 in
// Chinese; error_zh, when the server gives one, is said as it is.
function missText(r) {
  if (getLang() === 'zh' && r.error_zh) return r.error_zh;
  if (getLang() === 'en' && r.error) return r.error;
  return r.candidates?.length ? t('cl.ambiguous', r.candidates.length) : t('cl.notFound');
}

function cells(r, asOf) {
  if (!r.found) {
    const candidates = r.candidates || [];
    const serverText = getLang() === 'zh' && !r.error_zh && r.error;
    return [
      String(r.index),
      r.input,
      h('span', { class: 'cl-miss' },
        h('span', { class: 'bad-text cl-error' }, missText(r)),
        candidates.length ? h('ul', { class: 'cl-candidates' }, candidates.map((c) => h('li', null,
          h('a', { href: hashFor(`subject/${enc(c.subject)}`, { as_of: asOf }) }, c.name), ' ', h('span', { class: 'mono small muted' }, c.subject)))) : null,
        serverText ? h('details', { class: 'detail server-text' }, h('summary', null, t('err.serverText')), h('span', { class: 'mono small' }, serverText)) : null),
      '', '', '', '',
    ];
  }
  const measures = r.measures || [];
  return [
    String(r.index),
    r.input,
    h('span', null, h('a', { href: hashFor(`subject/${enc(r.subject)}`, { as_of: asOf }), class: 'cl-name' }, r.name),
      h('br'), h('span', { class: 'muted small' }, [r.kind ? kindName(r) : '', divisionName(r.division || '')].filter(Boolean).join(' · '))),
    h('span', { class: 'mono' }, r.subject),
    r.grade ? h('span', { class: `grade-chip grade-${r.grade}`, title: t(`grade.${r.grade}`), 'data-grade': r.grade }, r.grade) : '—',
    (r.lists || []).length ? h('span', { class: 'badges' }, listBadges(r.lists)) : h('span', { class: 'muted' }, t('subject.none')),
    measures.length ? h('ul', { class: 'cl-measures' }, measures.map((m) => h('li', null, m.measure))) : h('span', { class: 'muted' }, t('subject.none')),
  ];
}

function csvRows(rows) {
  const header = [t('cl.col.index'), t('cl.col.input'), t('cl.col.found'), t('cl.col.name'), t('col.subject'), t('rv.f.kind'), t('col.district'),
    t('subject.grade'), t('col.list'), t('subject.measures'), t('cl.col.note')];
  return [header, ...rows.map((r) => [
    r.index, r.input, r.found ? t('yes') : t('no'), r.name || '', r.subject || '', r.found && r.kind ? kindName(r) : '',
    r.division || '', r.grade || '',
    (r.lists || []).map(listName).join('、'),
    (r.measures || []).map((m) => m.measure).join('；'),
    r.found ? '' : [missText(r), ...(r.candidates || []).map((c) => `${c.name} ${c.subject}`)].join(t('sep')),
  ])];
}
