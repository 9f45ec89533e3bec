// Small helpers: building elements (text is always set as text, never parsed as HTML),
// formatting dates and money, and the division code inside a USCC.
import { t, getLang } from './i18n.js';

function append(node, kids) {
  for (const kid of kids.flat(Infinity)) {
    if (kid === null || kid === undefined || kid === false) continue;
    node.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
}

function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.setAttribute('class', v);
    else if (k === 'value' && 'value' in node) node.value = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
}

// h('a', {href: '#/x', class: 'y'}, 'text', child, [more])
export function h(tag, attrs, ...kids) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, kids);
  if (tag === 'table') labelCells(node);
  return node;
}

// On a phone a table's rows are shown as cards (app.css), each cell beside its column's name:
// every cell gets its header's text as data-label, whichever page built the table. A cell of
// short words (检查员, 已履行, 事中事后监管, 370202 市南区) is marked to break only between
// them on a narrow screen, never mid-word.
const SHORT = 6;
function labelCells(table) {
  const names = [...table.querySelectorAll(':scope > thead > tr > th')].map((th) => th.textContent.trim());
  if (!names.length) return;
  for (const row of table.querySelectorAll(':scope > tbody > tr')) {
    [...row.cells].forEach((cell, i) => {
      if (names[i] && !cell.hasAttribute('data-label')) cell.dataset.label = names[i];
      const words = cell.textContent.trim().split(/\s+/);
      if (words.every((w) => w.length <= SHORT) && !cell.querySelector('a')) cell.classList.add('keep');
    });
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag, attrs, ...kids) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  append(node, kids);
  return node;
}

// Path segment for a subject id or list name.
export const enc = encodeURIComponent;

// "#/subject/ID?as_of=2025-06-01": only the parameters that have a value.
export function hashFor(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const qs = q.toString();
  return `#/${path}${qs ? `?${qs}` : ''}`;
}

// Dates and times in China Standard Time (UTC+8), YYYY-MM-DD.
const CST_MS = 8 * 3600 * 1000;
export function cstDate(ms) { return new Date(ms + CST_MS).toISOString().slice(0, 10); }
export function cstTime(ms) { return new Date(ms + CST_MS).toISOString().slice(0, 19).replace('T', ' '); }
export function todayCST() { return cstDate(Date.now()); }
// A real calendar date written YYYY-MM-DD.
export function isDate(v) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v || '')) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

// A date field that always shows YYYY-MM-DD (a native date input shows the browser's locale
// format) with a calendar button that opens the browser's own picker. onchange(value) gets a
// valid date or '' (cleared), on Enter, on leaving the field or on picking a day.
export function dateField({ id, value = '', max, onchange }) {
  const text = h('input', {
    id, type: 'text', value, inputmode: 'numeric', placeholder: 'YYYY-MM-DD', maxlength: '10',
    size: '10', autocomplete: 'off', spellcheck: 'false', class: 'date-text',
  });
  const picker = h('input', { type: 'date', tabindex: '-1', 'aria-hidden': 'true', class: 'date-native', max });
  let last = value;
  // What is wrong with a date, said beside the box (and read out by screen readers).
  const message = h('span', { class: 'date-error', id: `${id}-error`, role: 'status', 'aria-live': 'polite' });
  text.setAttribute('aria-describedby', `${id}-error`);
  const commit = () => {
    const v = text.value.trim();
    const problem = v === '' ? '' : !/^\d{4}-\d{2}-\d{2}$/.test(v) ? t('date.format', v)
      : !isDate(v) ? t('date.none', v) : max && v > max ? t('date.future', v, max) : '';
    text.setAttribute('aria-invalid', String(problem !== ''));
    message.textContent = problem;
    if (!problem && v !== last) { last = v; onchange(v); }
  };
  text.addEventListener('change', commit);
  text.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); commit(); } });
  picker.addEventListener('change', () => { text.value = picker.value; commit(); });
  const button = h('button', {
    type: 'button', class: 'date-button', title: t('date.pick'), 'aria-label': t('date.pick'),
    onclick: () => {
      picker.value = isDate(text.value) ? text.value : (max || '');
      try { picker.showPicker(); } catch { text.focus(); }
    },
  }, calendarIcon());
  return h('span', { class: 'date-field' }, text, button, picker, message);
}

// Fen (0.01 yuan, an integer) as "1,234.56 元".
export function yuan(fen) {
  const neg = fen < 0;
  const abs = Math.abs(Math.trunc(fen));
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  const cents = String(abs % 100).padStart(2, '0');
  return `${neg ? '-' : ''}${whole}.${cents} 元`;
}

export function percent(rate) { return `${(rate * 100).toFixed(1)}%`; }

// The administrative division code: USCC characters 3-8.
export function division(uscc) { return String(uscc || '').slice(2, 8); }

// Qingdao's divisions (GB/T 2260), to name the codes that appear in its USCCs.
const DIVISIONS = {
  '370200': ['青岛市', 'Qingdao'],
  '370202': ['市南区', 'Shinan'],
  '370203': ['市北区', 'Shibei'],
  '370211': ['黄岛区', 'Huangdao'],
  '370212': ['崂山区', 'Laoshan'],
  '370213': ['李沧区', 'Licang'],
  '370214': ['城阳区', 'Chengyang'],
  '370215': ['即墨区', 'Jimo'],
  '370281': ['胶州市', 'Jiaozhou'],
  '370283': ['平度市', 'Pingdu'],
  '370285': ['莱西市', 'Laixi'],
};
export function divisionName(code) {
  const names = DIVISIONS[code];
  return names ? `${code} ${names[getLang() === 'en' ? 1 : 0]}` : code;
}

// "#5945 #5946": each seq links to its entry page; greyed text for a role that cannot open it.
export function seqLinks(seqs, canOpen) {
  return h('span', { class: 'seqs' }, (seqs || []).map((seq) => canOpen
    ? h('a', { href: `#/entry/${seq}`, class: 'seq' }, `#${seq}`)
    : h('span', { class: 'seq locked', title: t('needs.inspector') }, `#${seq}`)));
}

// A table from column headers and rows of cells (strings or nodes).
export function table(headers, rows, attrs = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', attrs,
      h('thead', null, h('tr', null, headers.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', isDate(c) ? { class: 'nowrap' } : null, c)))))));
}

// RFC 4180 fields; text that a spreadsheet would run as a formula is prefixed with '.
export function csvField(value) {
  let text = String(value ?? '');
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// Rows of cells as CSV text, CRLF line ends.
export function csvText(rows) {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

// Saves a Blob as a download named `name`.
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// CSV as a download: UTF-8 with a BOM, so that Excel opens the Chinese correctly.
export function saveCsv(rows, name) {
  saveBlob(new Blob(['\uFEFF', csvText(rows)], { type: 'text/csv;charset=utf-8' }), name);
}

function calendarIcon() {
  return s('svg', { viewBox: '0 0 16 16', width: '16', height: '16', 'aria-hidden': 'true', class: 'icon' },
    s('rect', { x: '1.5', y: '3', width: '13', height: '11.5', rx: '1.5', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.3' }),
    s('path', { d: 'M1.5 6.5h13M5 1.5v3M11 1.5v3', stroke: 'currentColor', 'stroke-width': '1.3' }),
    s('rect', { x: '4', y: '8.5', width: '2.5', height: '2', fill: 'currentColor' }));
}

// A padlock drawn, not an emoji: a desktop without a colour-emoji font shows an empty box.
export function lockIcon() {
  return s('svg', { viewBox: '0 0 16 16', width: '14', height: '14', 'aria-hidden': 'true', class: 'icon lock' },
    s('rect', { x: '3', y: '7', width: '10', height: '7.5', rx: '1.2', fill: 'currentColor' }),
    s('path', { d: 'M5.2 7V5a2.8 2.8 0 0 1 5.6 0v2', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.5' }));
}

export function section(title, ...kids) {
  return h('section', { class: 'card' }, h('h2', null, title), kids);
}
