// The joint reward and punishment lists: filter by division (USCC characters 3-8), reason and
// "since" date range, page through, and export the filtered rows as CSV (UTF-8 with BOM).
// The list is fetched once per list and date; filters and paging redraw in place.
import { get, errorBox } from '../api.js';
import { h, enc, hashFor, isDate, dateField, todayCST, division, divisionName, seqLinks, lockIcon, csvText, saveBlob } from '../dom.js';
import { t, label, said, ruleName, getLang } from '../i18n.js';

export const LISTS = ['SeriousDishonesty', 'Watch', 'NotificationIneligible', 'GovernmentDishonesty', 'Red'];
const RESTRICTED = new Set(['Watch', 'NotificationIneligible']);
const PAGE_SIZE = 20;

export async function render(view, ctx) {
  const name = LISTS.includes(ctx.arg) ? ctx.arg : 'SeriousDishonesty';
  const params = ctx.params;
  const asOf = isDate(params.get('as_of')) ? params.get('as_of') : '';
  const filters = {
    district: params.get('district') || '',
    reason: params.get('reason') || '',
    from: isDate(params.get('from')) ? params.get('from') : '',
    to: isDate(params.get('to')) ? params.get('to') : '',
  };
  let page = Math.max(1, Number(params.get('page')) || 1);
  document.title = `${label('list', name)} · creditlog`;

  view.append(h('h1', null, t('lists.title')), tabs(name, ctx));
  const body = h('div', { id: 'list-body' }, h('p', { class: 'muted loading' }, t('loading')));
  view.append(body);

  let data;
  try {
    data = await get(`/v1/lists/${enc(name)}${asOf ? `?as_of=${asOf}` : ''}`, { signal: ctx.signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    body.replaceChildren(errorBox(err));
    return;
  }
  if (!ctx.isCurrent()) return;
  const entries = data.entries;
  const canOpen = ctx.may('records');

  const districts = [...new Set(entries.map((e) => division(e.subject)))].sort();
  const districtSelect = h('select', { id: 'f-district' },
    h('option', { value: '' }, t('lists.allDistricts')),
    districts.map((d) => h('option', { value: d }, divisionName(d))));
  districtSelect.value = districts.includes(filters.district) ? filters.district : '';
  const reasonInput = h('input', { id: 'f-reason', type: 'search', value: filters.reason, autocomplete: 'off' });
  const fromField = dateField({ id: 'f-from', value: filters.from, onchange: () => refilter() });
  const toField = dateField({ id: 'f-to', value: filters.to, onchange: () => refilter() });
  const asOfField = dateField({
    id: 'f-as-of', value: data.as_of, max: todayCST(),
    onchange: (v) => ctx.go(hashFor(`lists/${name}`, { ...current(), as_of: v })),
  });
  const fromInput = fromField.querySelector('input');
  const toInput = toField.querySelector('input');
  const count = h('p', { id: 'list-count', 'aria-live': 'polite' });
  const tableBox = h('div', { class: 'table-wrap' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('page.nav') });

  function current() {
    return {
      district: districtSelect.value,
      reason: reasonInput.value.trim(),
      from: isDate(fromInput.value.trim()) ? fromInput.value.trim() : '',
      to: isDate(toInput.value.trim()) ? toInput.value.trim() : '',
    };
  }

  function filtered() {
    const f = current();
    const needle = f.reason.toLowerCase();
    return entries.filter((e) => (!f.district || division(e.subject) === f.district)
      && (!needle || e.reason.toLowerCase().includes(needle) || String(e.reason_zh || '').toLowerCase().includes(needle))
      && (!f.from || e.since >= f.from)
      && (!f.to || e.since <= f.to));
  }

  function redraw() {
    const rows = filtered();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    page = Math.min(page, pages);
    history.replaceState(null, '', hashFor(`lists/${name}`, { ...current(), as_of: asOf, page: page > 1 ? page : '' }));
    count.textContent = t('lists.count', rows.length, entries.length, data.as_of);
    const shown = rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
    tableBox.replaceChildren(shown.length ? membersTable(shown, canOpen) : h('p', { class: 'muted' }, t('lists.empty')));
    pager.replaceChildren(
      h('button', { type: 'button', id: 'page-prev', disabled: page <= 1, onclick: () => { page -= 1; redraw(); } }, t('page.prev')),
      h('span', { id: 'page-status' }, t('page.of', page, pages)),
      h('button', { type: 'button', id: 'page-next', disabled: page >= pages, onclick: () => { page += 1; redraw(); } }, t('page.next')));
    view.dataset.rows = String(rows.length);
  }

  const refilter = () => { page = 1; redraw(); };
  let timer = 0;
  reasonInput.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(refilter, 150); });
  districtSelect.addEventListener('change', refilter);

  const field = (id, text, input) => h('div', { class: 'field' }, h('label', { for: id }, text), input);
  body.replaceChildren(
    h('h2', null, label('list', data.list)),
    h('form', { class: 'filters card', onsubmit: (e) => { e.preventDefault(); clearTimeout(timer); refilter(); } },
      h('fieldset', null,
        h('legend', null, t('lists.filters')),
        field('f-district', t('lists.district'), districtSelect),
        field('f-reason', t('lists.reason'), reasonInput),
        field('f-from', t('lists.from'), fromField),
        field('f-to', t('lists.to'), toField),
        field('f-as-of', t('lists.asOf'), asOfField)),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => {
          districtSelect.value = ''; reasonInput.value = ''; fromInput.value = ''; toInput.value = ''; refilter();
        } }, t('lists.clear')),
        h('button', { type: 'button', id: 'csv-export', class: 'primary', onclick: () => exportCsv(data, filtered()) }, t('lists.export')))),
    count, tableBox, pager);
  redraw();
}

function tabs(name, ctx) {
  return h('nav', { class: 'tabs', 'aria-label': t('nav.lists') }, LISTS.map((list) => {
    const locked = RESTRICTED.has(list) && !ctx.may('restricted_lists');
    const text = label('list', list);
    if (locked) {
      return h('span', { class: 'tab disabled', 'aria-disabled': 'true', title: t('lists.locked'), 'data-list': list }, text, ' ', lockIcon());
    }
    return h('a', { class: 'tab', href: `#/lists/${list}`, 'aria-current': list === name ? 'page' : null, 'data-list': list }, text);
  }));
}

function membersTable(rows, canOpen) {
  return h('table', { id: 'list-table' },
    h('thead', null, h('tr', null, [t('col.subject'), t('col.name'), t('col.district'), t('col.since'), t('col.until'), t('col.reason'), t('col.seqs')]
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, rows.map((e) => h('tr', null,
      h('td', { class: 'mono' }, e.subject),
      h('td', null, h('a', { href: `#/subject/${enc(e.subject)}` }, e.name)),
      h('td', null, divisionName(division(e.subject))),
      h('td', { class: 'nowrap' }, e.since),
      h('td', { class: 'nowrap' }, e.until || t('open')),
      h('td', null, said(e, 'reason')),
      h('td', null, seqLinks(e.seqs, canOpen))))));
}

export function toCsv(list, rows) {
  const header = [t('col.list'), t('col.subject'), t('col.name'), t('col.district'), t('col.since'), t('col.until'),
    t('col.reason'), t('subject.rule'), t('lists.ruleId'), t('lists.ruleset'), t('col.seqs')];
  const lines = rows.map((e) => [label('list', list.list), e.subject, e.name, division(e.subject), e.since, e.until || '',
    said(e, 'reason'), ruleName(e), e.rule, e.ruleset, e.seqs.join(' ')]);
  return csvText([header, ...lines]);
}

function exportCsv(list, rows) {
  saveBlob(new Blob(['\uFEFF', toCsv(list, rows)], { type: 'text/csv;charset=utf-8' }),
    `${getLang() === 'zh' ? list.list_zh : list.list}-${list.as_of}.csv`);
}
