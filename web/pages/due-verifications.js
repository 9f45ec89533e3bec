// 待核查 (inspectors): the commitments an accepting agency must verify (先证后核, 谁审批谁监管),
// overdue first, each with its last day, the subject and the entries behind it. The agency's
// code is kept for the session, so the navigation opens the inspector's own list.
import { get } from '../api.js';
import { h, enc, hashFor, isDate, dateField, todayCST, seqLinks, table } from '../dom.js';
import { t, label } from '../i18n.js';

const AGENCY_KEY = 'creditlog.agency';
const USCC = /^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$/;

function remembered() {
  try { return sessionStorage.getItem(AGENCY_KEY) || ''; } catch { return ''; }
}
function remember(agency) {
  try { sessionStorage.setItem(AGENCY_KEY, agency); } catch { /* storage blocked */ }
}

export async function render(view, ctx) {
  const asOf = isDate(ctx.params.get('as_of')) ? ctx.params.get('as_of') : '';
  let agency = (ctx.params.get('agency') || '').trim().toUpperCase();
  if (!agency && remembered()) {
    agency = remembered();
    history.replaceState(null, '', hashFor('due-verifications', { agency, as_of: asOf }));
  }
  document.title = `${t('due.title')} · creditlog`;

  const input = h('input', {
    id: 'agency', type: 'text', value: agency, class: 'mono agency-input', maxlength: '18', size: '20',
    autocomplete: 'off', spellcheck: 'false', placeholder: t('due.placeholder'), 'aria-describedby': 'agency-error',
  });
  const problem = h('span', { class: 'date-error', id: 'agency-error', role: 'status', 'aria-live': 'polite' });
  let date = asOf;
  const show = () => {
    const code = input.value.trim().toUpperCase();
    if (code && !USCC.test(code)) {
      input.setAttribute('aria-invalid', 'true');
      problem.textContent = t('due.badCode', code);
      return;
    }
    ctx.go(hashFor('due-verifications', { agency: code, as_of: date }));
  };
  const asOfInput = dateField({ id: 'as-of', value: asOf, max: todayCST(), onchange: (v) => { date = v; show(); } });
  const form = h('form', { class: 'card due-form', id: 'due-form', onsubmit: (e) => { e.preventDefault(); show(); } },
    h('div', { class: 'field' }, h('label', { for: 'agency' }, t('due.agency')), input, problem),
    h('div', { class: 'field' }, h('label', { for: 'as-of' }, t('subject.asOf')), asOfInput),
    h('button', { type: 'submit', class: 'primary', id: 'due-submit' }, t('due.submit')));
  const head = [h('h1', null, t('due.title')), h('p', { class: 'muted', id: 'due-note' }, t('due.note')), form];

  if (!agency) {
    view.append(...head, h('p', { class: 'muted', id: 'due-empty' }, t('due.enter')));
    return;
  }
  if (!USCC.test(agency)) {
    input.setAttribute('aria-invalid', 'true');
    problem.textContent = t('due.badCode', agency);
    view.append(...head);
    return;
  }
  view.append(...head, h('p', { class: 'muted loading' }, t('loading')));
  const query = asOf ? `?as_of=${asOf}` : '';
  // The agency's name, when it is a registered subject (a public body): the public profile is
  // not a read of a file.
  const [data, body] = await Promise.all([
    get(`/v1/agencies/${enc(agency)}/due-verifications${query}`, { signal: ctx.signal }),
    get(`/v1/subjects/${enc(agency)}/public-profile${query}`, { signal: ctx.signal }).catch(() => null),
  ]);
  if (!ctx.isCurrent()) return;
  remember(agency);
  const canOpen = ctx.may('records');
  const rows = data.verifications.map((v) => [
    v.verify_by,
    h('span', { class: v.overdue ? 'bad-text' : v.days_left <= 7 ? 'fair-text' : '' },
      v.overdue ? t('due.overdueDays', -v.days_left) : t('due.daysLeft', v.days_left)),
    h('span', null, h('a', { href: hashFor(`subject/${enc(v.subject)}`, { as_of: asOf }) }, v.name),
      h('br'), h('span', { class: 'mono small muted' }, v.subject)),
    h('span', { class: 'mono' }, v.commitment_id),
    label('ctype', v.type),
    v.matter,
    v.made,
    seqLinks(v.seqs, canOpen),
  ]);
  const result = data.verifications.length
    ? table([t('col.verifyBy'), t('col.timeLeft'), t('col.holder'), t('col.commitment'), t('col.type'), t('col.matter'), t('col.made'), t('col.seqs')],
      rows, { id: 'due-table', class: 'tablet-cards' })
    : h('p', { class: 'ok-text', id: 'due-empty' }, t('due.none', data.as_of));
  // Overdue rows stand out.
  result.querySelectorAll('#due-table tbody tr').forEach((tr, i) => {
    const v = data.verifications[i];
    tr.dataset.commitment = v.commitment_id;
    if (v.overdue) tr.classList.add('overdue');
  });
  view.replaceChildren(...head,
    h('section', { class: 'card' },
      h('h2', null, body ? h('span', null, body.name, ' ', h('span', { class: 'mono small muted' }, data.agency)) : h('span', { class: 'mono' }, data.agency)),
      h('p', { id: 'due-summary', class: data.overdue ? 'bad-text' : '' }, t('due.summary', data.as_of, data.due, data.overdue)),
      result));
  view.dataset.agency = data.agency;
  view.dataset.asOf = data.as_of;
}
