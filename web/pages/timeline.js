// A subject's events on a time axis (inline SVG, one dot per dated event) and in a list by
// business date; every event links to its ledger entry. Needs the inspector role.
import { get } from '../api.js';
import { h, s, enc, hashFor, isDate } from '../dom.js';
import { t, label } from '../i18n.js';
import { summary, category } from '../events.js';

const DAY = 86400000;
const dayNumber = (date) => Date.parse(`${date}T00:00:00Z`) / DAY;

export async function render(view, ctx) {
  const id = ctx.arg;
  const asOf = isDate(ctx.params.get('as_of')) ? ctx.params.get('as_of') : '';
  view.append(h('p', { class: 'muted loading' }, t('loading')));
  const data = await get(`/v1/subjects/${enc(id)}/timeline${asOf ? `?as_of=${asOf}` : ''}`, { signal: ctx.signal });
  if (!ctx.isCurrent()) return;

  const events = data.timeline;
  const registered = events.find((e) => e.type === 'SubjectRegistered');
  const name = registered?.event?.body?.name || '';
  document.title = `${t('timeline.title')} · ${name || id} · creditlog`;

  const sorted = [...events].sort((a, b) => (a.date || '').localeCompare(b.date || '') || a.seq - b.seq);
  view.replaceChildren(
    h('h1', null, t('timeline.title'), name ? ` · ${name}` : ''),
    h('p', null,
      h('span', { class: 'mono' }, data.subject), ' · ',
      t('timeline.count', data.events, events.length),
      data.as_of ? ` · ${t('subject.asOfNote', data.as_of)}` : '', ' · ',
      h('a', { href: hashFor(`subject/${enc(id)}`, { as_of: asOf }) }, t('timeline.back'))),
    h('figure', { class: 'card axis-card' },
      axis(events, view.clientWidth),
      h('figcaption', { class: 'muted' }, t('timeline.axis'), legend())),
    h('ol', { class: 'timeline', id: 'timeline-list' }, sorted.map(item)));
}

function legend() {
  return h('span', { class: 'legend' }, ['commitment', 'breach', 'contract', 'penalty', 'repair', 'rating'].map((c) =>
    h('span', { class: `key cat-${c}` }, label('cat', c))));
}

function item(e) {
  return h('li', { class: `cat-${category(e.type)}`, 'data-seq': e.seq },
    h('span', { class: 'date mono' }, e.date || t('timeline.noDate')),
    h('div', { class: 'what' },
      h('strong', null, label('ev', e.type)), ' ',
      h('a', { href: `#/entry/${e.seq}`, class: 'seq' }, `#${e.seq}`),
      h('div', { class: 'muted small' }, e.agency, ` · v${e.version}`),
      h('div', null, summary(e.event?.body))));
}

// One unit is about a CSS pixel on a narrow screen (up to 1000 units), so that a phone's axis
// keeps readable years and dots that can be tapped, all in view.
function axis(events, room) {
  const dated = events.filter((e) => isDate(e.date));
  const W = Math.round(Math.min(1000, Math.max(300, room || 1000)));
  const PAD = 30;
  if (!dated.length) return s('svg', { viewBox: `0 0 ${W} 40`, class: 'axis', role: 'img' });
  const years = dated.map((e) => Number(e.date.slice(0, 4)));
  const y0 = Math.min(...years);
  const y1 = Math.max(...years) + 1;
  const d0 = dayNumber(`${y0}-01-01`);
  const d1 = dayNumber(`${y1}-01-01`);
  const x = (date) => PAD + ((dayNumber(date) - d0) / (d1 - d0)) * (W - 2 * PAD);

  // Dots closer than a dot's width stack upwards: each on the lowest level free beside it.
  const dots = [];
  for (const e of [...dated].sort((a, b) => a.date.localeCompare(b.date) || a.seq - b.seq)) {
    const cx = x(e.date);
    let level = 0;
    while (dots.some((d) => d.level === level && Math.abs(d.cx - cx) < 11)) level += 1;
    dots.push({ e, cx, level });
  }
  const levels = Math.max(...dots.map((d) => d.level)) + 1;
  const base = 20 + levels * 14;
  const H = base + 30;

  // Every year a tick; a year's label only where it does not run into the next one.
  const every = Math.ceil(44 / ((W - 2 * PAD) / (y1 - y0)));
  const ticks = [];
  for (let y = y0; y <= y1; y++) {
    const tx = x(`${y}-01-01`);
    ticks.push(s('line', { x1: tx, x2: tx, y1: base - 4, y2: base + 6, class: 'tick' }));
    if (y < y1 && (y - y0) % every === 0) ticks.push(s('text', { x: tx + 4, y: base + 22, class: 'tick-label' }, String(y)));
  }
  return s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'axis', role: 'group', 'aria-label': t('timeline.axis') },
    s('line', { x1: PAD, x2: W - PAD, y1: base, y2: base, class: 'axis-line' }),
    ticks,
    dots.map(({ e, cx, level }) => s('a', { href: `#/entry/${e.seq}`, 'aria-label': `${e.date} ${label('ev', e.type)} #${e.seq}` },
      s('circle', { cx, cy: base - 10 - level * 14, r: 6, class: `dot cat-${category(e.type)}` },
        s('title', null, `${e.date} ${label('ev', e.type)} #${e.seq}`)))));
}
