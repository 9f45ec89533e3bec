// The government integrity board: public bodies ranked by commitment fulfilment, duties let
// pass (commitments not verified, objections not handled in time), arrears and service ratings
// (and, for a body with enough civil servants' files, their counts), with an inline-SVG chart of every body's fulfilment rate and arrears.
import { get } from '../api.js';
import { h, s, enc, hashFor, isDate, dateField, todayCST, yuan, percent, seqLinks } from '../dom.js';
import { t, ruleName } from '../i18n.js';

const PAGE_SIZE = 20;

// A body with no commitment due has no fulfilment rate to show (the board ranks it as 100%).
const due = (b) => b.fulfilled + b.breached + b.overdue;
const rateText = (b) => (due(b) ? percent(b.fulfilment_rate) : t('integrity.noneDue'));
// Arrears outweigh a full rate: such a body is never drawn as good.
const rateClass = (b) => (!due(b) ? 'none' : b.arrears_fen > 0 ? 'poor' : b.fulfilment_rate >= 0.999 ? 'good' : b.fulfilment_rate >= 0.5 ? 'fair' : 'poor');

export async function render(view, ctx) {
  const asOf = isDate(ctx.params.get('as_of')) ? ctx.params.get('as_of') : '';
  let page = Math.max(1, Number(ctx.params.get('page')) || 1);
  document.title = `${t('integrity.title')} · creditlog`;
  view.append(h('h1', null, t('integrity.title')), h('p', { class: 'muted loading' }, t('loading')));
  const data = await get(`/v1/integrity${asOf ? `?as_of=${asOf}` : ''}`, { signal: ctx.signal });
  if (!ctx.isCurrent()) return;

  const board = data.board;
  const maxArrears = Math.max(0, ...board.map((b) => b.arrears_fen));
  const pages = Math.max(1, Math.ceil(board.length / PAGE_SIZE));
  const chartBox = h('figure', { class: 'card chart-card' });
  const tableBox = h('div', { class: 'table-wrap' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('page.nav') });
  const canOpen = ctx.may('records');
  // The 公务员诚信 column, when a body on the board has enough civil servants' files to count.
  const staffed = board.some((b) => b.civil_servants);

  function redraw() {
    page = Math.min(page, pages);
    history.replaceState(null, '', hashFor('integrity', { as_of: asOf, page: page > 1 ? page : '' }));
    const rows = board.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
    chartBox.replaceChildren(
      h('figcaption', null, h('strong', null, t('integrity.chart')), ' ', h('span', { class: 'muted small' }, t('integrity.chartDesc'))),
      chart(board, maxArrears, (page - 1) * PAGE_SIZE, (page - 1) * PAGE_SIZE + rows.length, view.clientWidth));
    tableBox.replaceChildren(boardTable(rows, canOpen, asOf, staffed));
    pager.replaceChildren(
      h('button', { type: 'button', id: 'page-prev', disabled: page <= 1, onclick: () => { page -= 1; redraw(); } }, t('page.prev')),
      h('span', { id: 'page-status' }, t('page.of', page, pages)),
      h('button', { type: 'button', id: 'page-next', disabled: page >= pages, onclick: () => { page += 1; redraw(); } }, t('page.next')));
  }

  const asOfInput = dateField({
    id: 'as-of', value: data.as_of, max: todayCST(),
    onchange: (v) => ctx.go(hashFor('integrity', { as_of: v })),
  });
  view.replaceChildren(
    h('h1', null, t('integrity.title')),
    h('div', { class: 'row spread' },
      h('p', { id: 'board-note' }, t('integrity.note', data.as_of, board.length)),
      h('div', { class: 'field inline' }, h('label', { for: 'as-of' }, t('subject.asOf')), asOfInput)),
    chartBox, tableBox, pager);
  redraw();
}

// The whole board in one figure, x = rank: fulfilment rate as columns upwards, arrears as
// columns downwards (scaled to the largest); the ranks on the page shown are shaded. Each column
// links to its body and names it in a tooltip. On a narrow screen a unit is about a CSS pixel
// (readable labels, every column in view) and the rank range moves up beside ▲.
function chart(board, maxArrears, first, last, room) {
  const W = Math.round(Math.min(1000, Math.max(300, room || 1000)));
  const narrow = W < 600;
  const L = narrow ? 40 : 70;
  const R = 20;
  const UP = 150; // height of 100%
  const DOWN = 90; // height of the largest arrears
  const TOP = 24;
  const MID = TOP + UP;
  const H = MID + DOWN + 34;
  const step = (W - L - R) / Math.max(1, board.length);
  const bar = Math.max(1, step * 0.8);
  const x = (i) => L + i * step;

  return s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', id: 'integrity-chart', role: 'group', 'aria-label': t('integrity.chart') },
    s('rect', { x: x(first), y: TOP - 6, width: (last - first) * step, height: UP + DOWN + 12, class: 'page-band' }),
    s('text', { x: L - 8, y: TOP + 4, class: 'axis-label', 'text-anchor': 'end' }, '100%'),
    s('text', { x: L - 8, y: TOP + UP / 2 + 4, class: 'axis-label', 'text-anchor': 'end' }, '50%'),
    s('line', { x1: L, x2: W - R, y1: TOP, y2: TOP, class: 'grid' }),
    s('line', { x1: L, x2: W - R, y1: TOP + UP / 2, y2: TOP + UP / 2, class: 'grid' }),
    s('text', { x: L, y: 14, class: 'col-head' }, `▲ ${t('col.fulfilment')}`),
    s('text', { x: L, y: H - 6, class: 'col-head' }, `▼ ${t('col.arrears')}（${t('integrity.max')} ${yuan(maxArrears)}）`),
    s('text', { x: W - R, y: narrow ? 14 : H - 6, class: 'axis-label', 'text-anchor': 'end' }, `${t('col.rank')} 1 – ${board.length}`),
    board.map((b, i) => {
      const up = due(b) ? Math.max(1, b.fulfilment_rate * UP) : 1;
      const down = maxArrears ? (b.arrears_fen / maxArrears) * DOWN : 0;
      const tip = `${b.rank}. ${b.name} · ${t('col.fulfilment')} ${rateText(b)} · ${t('col.arrears')} ${yuan(b.arrears_fen)}`;
      return s('a', { href: `#/subject/${enc(b.subject)}`, class: 'bar-link', 'data-rank': b.rank, 'aria-label': tip },
        s('title', null, tip),
        s('rect', { x: x(i), y: MID - up, width: bar, height: up, class: `bar fulfilment ${rateClass(b)}` }),
        down > 0 ? s('rect', { x: x(i), y: MID + 1, width: bar, height: Math.max(1, down), class: 'bar arrears' }) : null);
    }),
    s('line', { x1: L, x2: W - R, y1: MID, y2: MID, class: 'axis-line' }));
}

// Each duty the body let pass, by rule, with how many: 政务诚信：承诺核查逾期（谁审批谁监管） 2 件.
// An overdue verification opens the body's 待核查 list for readers of records.
function failuresCell(b, canOpen, asOf) {
  const failures = b.failures || [];
  if (!failures.length) return h('td', { class: 'failures muted' }, t('subject.none'));
  return h('td', { class: 'failures' }, failures.map((f) => {
    const name = h('span', { class: 'rule', title: f.rule }, ruleName(f));
    return h('div', { class: 'failure', 'data-rule': f.rule, 'data-count': f.count },
      canOpen && f.rule === 'integrity.verification_overdue'
        ? h('a', { href: hashFor('due-verifications', { agency: b.subject, as_of: asOf }) }, name) : name,
      ' ', h('span', { class: 'bad-text nowrap' }, t('integrity.failureCount', f.count)));
  }));
}

// A body's civil servants, counted (档案 5，处分期间 1，失信 1，…); empty for a body with too few
// files to count without pointing at someone (the server leaves civil_servants out).
const STAFF = ['files', 'sanctions_in_force', 'dishonesty', 'commendations', 'assessed_excellent', 'assessed_incompetent'];
function staffCell(b) {
  const c = b.civil_servants;
  if (!c) return h('td', { class: 'staff' });
  // In a box of its own width, so that the counts wrap rather than widen the ranking.
  return h('td', { class: 'staff', title: t('staff.note'), 'data-files': c.files }, h('div', { class: 'staff-counts' },
    STAFF.map((k, i) => [i ? t('staff.sep') : null,
      h('span', { class: k === 'sanctions_in_force' && c[k] > 0 ? 'part bad-text' : 'part', 'data-count': k }, `${t(`staff.${k}`)} ${c[k]}`)])));
}

function boardTable(rows, canOpen, asOf, staffed) {
  return h('table', { id: 'board-table' },
    h('thead', null, h('tr', null, [t('col.rank'), t('col.name'), t('col.subject'), t('col.fulfilment'), t('col.fulfilled'), t('col.breached'),
      t('col.overdueCommitments'), t('col.failures'), staffed ? t('col.civilServants') : null, t('col.arrears'), t('col.arrearsDays'), t('col.rating'),
      t('col.seqs')].filter(Boolean).map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, rows.map((b) => h('tr', { 'data-subject': b.subject },
      h('td', { class: 'num' }, String(b.rank)),
      h('td', null, h('a', { href: `#/subject/${enc(b.subject)}` }, b.name)),
      h('td', { class: 'mono' }, b.subject),
      h('td', { class: due(b) ? 'num rate' : 'num rate muted' }, rateText(b)),
      h('td', { class: 'num' }, String(b.fulfilled)),
      h('td', { class: b.breached ? 'num bad-text' : 'num' }, String(b.breached)),
      h('td', { class: b.overdue ? 'num bad-text' : 'num' }, String(b.overdue)),
      failuresCell(b, canOpen, asOf),
      staffed ? staffCell(b) : null,
      h('td', { class: b.arrears_fen ? 'num bad-text' : 'num' }, yuan(b.arrears_fen)),
      h('td', { class: 'num' }, b.arrears_days_max ? t('days', b.arrears_days_max) : '0'),
      h('td', { class: 'num' }, b.ratings ? `${b.rating_average.toFixed(2)}（${b.ratings}）` : '—'),
      h('td', null, seqLinks(b.seqs, canOpen))))));
}
