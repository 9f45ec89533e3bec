// A subject's credit profile on a date: identity, grade and its reason, list memberships,
// measures in plain words with their basis, department and what has been applied, with the
// entries behind them, commitments (and their verification), contracts and arrears, penalties
// and their publicity, objections. Readers who may see the file's records (inspectors, auditors,
// admin; personnel for a civil servant) get the full profile and the measures, others the
// public profile (docs/privacy.md). Readers of an enterprise's records also get the 联合奖惩核查
// card: may an action (政府采购, 财政资金, …) be granted on the page's date (?action= keeps it).
// A public body's page shows, for every reader, its 好差评: cases, ratings, 差评 and their 整改 and
// 回访, per 事项, and the 差评 left unrectified past their deadline.
import { get, errorBox } from '../api.js';
import { h, enc, hashFor, isDate, dateField, todayCST, yuan, percent, division, divisionName, seqLinks, table, section } from '../dom.js';
import { t, label, said, ruleName, getLang } from '../i18n.js';

// Actions a window clerk checks most, offered beside the subject's own measures' scopes.
const COMMON_ACTIONS = ['政府采购', '财政资金', '告知承诺', '评优评先', '监管抽查'];

export async function render(view, ctx) {
  const id = ctx.arg;
  const asOf = isDate(ctx.params.get('as_of')) ? ctx.params.get('as_of') : '';
  const full = ctx.mayFile(id);
  const query = asOf ? `?as_of=${asOf}` : '';
  const base = `/v1/subjects/${enc(id)}`;
  view.append(h('p', { class: 'muted loading' }, t('loading')));

  let profile;
  let measures = null;
  const missing = (err) => {
    throw err.status === 404 ? Object.assign(new Error(t('subject.missing', id)), { status: 404 }) : err;
  };
  if (full) {
    [profile, measures] = await Promise.all([
      get(`${base}/profile${query}`, { signal: ctx.signal }),
      get(`${base}/measures${query}`, { signal: ctx.signal }),
    ]).catch(missing);
  } else {
    profile = await get(`${base}/public-profile${query}`, { signal: ctx.signal }).catch(missing);
  }
  if (!ctx.isCurrent()) return;
  // 好差评 (public): only a public body has service cases; any other subject's route is a 404.
  let services = null;
  if (profile.kind === 'PublicBody') {
    services = await get(`${base}/services${query}`, { signal: ctx.signal }).catch((err) => {
      if (err.name === 'AbortError') throw err;
      return err.status === 404 ? null : { error: err };
    });
    if (!ctx.isCurrent()) return;
  }
  document.title = `${profile.name} · creditlog`;
  const links = (seqs) => seqLinks(seqs, full);

  const action = (ctx.params.get('action') || '').trim();
  checkedAction = '';
  const checking = full && !String(id).includes('/') && ctx.may('records');
  view.replaceChildren(...[
    identity(profile, ctx, full, asOf, action),
    gradeCard(profile, links),
    profile.integrity_file ? integrityFileCard(profile.integrity_file, links) : null,
    checking ? checkCard(profile, measures, ctx, asOf, action, links) : null,
    measuresCard(profile, measures, links),
    listsCard(profile, links),
    disregardedCard(profile, links),
    commitmentsCard(profile, links, ctx),
    objectionsCard(profile, links),
    contractsCard(profile, links),
    services ? servicesCard(services, links) : null,
    penaltiesCard(profile, links),
  ].filter(Boolean));
  view.dataset.asOf = profile.as_of;
  view.dataset.view = full ? 'full' : 'public';
}

function identity(p, ctx, full, asOf, action) {
  const dateInput = dateField({
    id: 'as-of', value: p.as_of, max: todayCST(),
    onchange: (v) => ctx.go(hashFor(`subject/${enc(p.subject)}`, { as_of: v, action: currentAction(action) })),
  });
  const timelineLink = full
    ? h('a', { href: hashFor(`timeline/${enc(p.subject)}`, { as_of: asOf }), class: 'button', id: 'timeline-link' }, t('subject.timeline'))
    : h('span', { class: 'button disabled', 'aria-disabled': 'true', title: t('needs.inspector') }, t('subject.timeline'));
  return h('section', { class: 'card identity' },
    h('div', { class: 'who' },
      h('h1', null, p.name),
      h('p', null,
        h('span', { class: 'mono uscc' }, p.subject), ' · ',
        h('span', { class: 'nowrap' }, `${t('subject.district')} ${divisionName(division(p.subject))}`)),
      h('p', { class: 'muted' }, t('subject.asOfNote', p.as_of), ' · ', t('subject.ruleset', p.ruleset)),
      h('p', { class: full ? 'view-note full' : 'view-note public', id: 'view-note' }, full ? t(String(p.subject).includes('/') ? 'subject.personnelView' : 'subject.fullView') : t('subject.publicView'))),
    h('div', { class: 'as-of' },
      h('label', { for: 'as-of' }, t('subject.asOf')),
      dateInput,
      h('a', { href: hashFor(`subject/${enc(p.subject)}`), class: 'button' }, t('subject.today')),
      timelineLink,
      ctx.may('access_log')
        ? h('a', { href: `#/access/${enc(p.subject)}`, class: 'button', id: 'access-link' }, t('subject.accessLog'))
        : null));
}

function gradeCard(p, links) {
  return h('section', { class: 'card grade-card' },
    h('div', { class: `grade grade-${p.grade}`, id: 'grade', 'aria-label': `${t('subject.grade')} ${p.grade}` }, p.grade),
    h('div', null,
      h('h2', null, t('kv', `${t('subject.grade')} ${p.grade}`, label('grade', p.grade))),
      h('p', { id: 'grade-reason' }, said(p, 'grade_reason'), ' ', links(p.grade_seqs)),
      p.service_rating ? h('p', { class: 'muted' }, t('subject.ratingLine', p.service_rating.average.toFixed(2), p.service_rating.count)) : null));
}

// 诚信档案 (personnel, a civil servant's profile): whether a sanction bars promotion and until
// when (or 已开除), the latest annual assessment and the counts, then every entry, newest first,
// with a sanction's kind, last day and whether it is in force, and an assessment's year and grade.
function integrityFileCard(f, links) {
  const inForce = f.entries.filter((e) => e.type === 'Sanction' && e.in_force);
  // The rule's name as the server gives it, else the console's (the id only as a tooltip).
  const rule = f.promotion_rule
    ? h('span', { class: 'rule muted small', title: f.promotion_rule },
      f.promotion_rule_name ? ruleName({ rule_name: f.promotion_rule_name, rule_name_en: f.promotion_rule_name_en }) : t(`rule.${f.promotion_rule}`))
    : null;
  const status = f.expelled
    ? h('p', { id: 'file-status', class: 'file-status bad', 'data-status': 'expelled' }, h('strong', null, t('file.expelled')), ' ', links(inForce.flatMap((e) => e.seqs)))
    : f.promotion_barred_until
      ? h('p', { id: 'file-status', class: 'file-status bad', 'data-status': 'barred', 'data-until': f.promotion_barred_until },
        h('strong', null, t('file.barred', f.promotion_barred_until)), ' · ', rule, ' ', links(inForce.flatMap((e) => e.seqs)))
      : h('p', { id: 'file-status', class: 'file-status ok-text', 'data-status': 'clear' }, t('file.clear'));
  const a = f.latest_assessment;
  const latest = h('p', { id: 'file-assessment', 'data-year': a?.year ?? null, 'data-grade': a?.grade ?? null },
    a ? [t('file.latest', a.year, label('agrade', a.grade)), ' ', links(a.seqs)] : t('file.noAssessment'));
  const counts = h('ul', { id: 'file-counts', class: 'file-counts' },
    [['sanctions', f.sanctions_in_force], ['dishonesty', f.dishonesty], ['commendations', f.commendations], ['commitments', f.commitments]]
      .map(([k, n]) => h('li', { 'data-count': k, class: k === 'sanctions' && n > 0 ? 'bad-text' : null }, t(`file.count.${k}`, n))));
  const entries = [...f.entries].sort((x, y) => String(y.date).localeCompare(String(x.date)));
  const rows = entries.map((e) => h('tr', { 'data-entry': e.entry_id, 'data-type': e.type, 'data-in-force': e.type === 'Sanction' ? String(e.in_force) : null },
    h('td', { class: 'nowrap' }, e.date),
    h('td', null, label('ftype', e.type)),
    h('td', null, h('span', { class: 'mono' }, e.entry_id)),
    h('td', null, e.category || ''),
    h('td', null, fileDetail(e)),
    h('td', null, links(e.seqs))));
  return h('section', { class: 'card file-card', id: 'integrity-file' },
    h('h2', null, t('file.title')),
    h('p', { class: 'muted small' }, t('file.note')),
    status, latest, counts,
    entries.length
      ? h('div', { class: 'table-wrap' }, h('table', { id: 'file-entries' },
        h('thead', null, h('tr', null, [t('col.date'), t('col.type'), t('col.id'), t('col.category'), t('file.col.detail'), t('col.seqs')]
          .map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, rows)))
      : h('p', { id: 'file-entries' }, t('file.empty')));
}

// A sanction: its kind, its last day and whether it is in force (开除 has no period); an
// assessment: its year and grade.
function fileDetail(e) {
  if (e.type === 'Sanction') {
    return h('span', { class: 'sanction' },
      h('strong', { class: e.in_force ? 'bad-text' : null }, label('sanction', e.sanction_kind)),
      e.until ? [' ', h('span', { class: 'nowrap' }, t('file.until', e.until)), ' ',
        h('span', { class: e.in_force ? 'state in-force bad-text nowrap' : 'state ended muted nowrap' }, e.in_force ? t('file.inForce') : t('file.ended'))] : null);
  }
  if (e.type === 'Assessment') {
    return h('span', { class: `assessment agrade-${e.assessment_grade}` }, t('file.assessment', e.assessment_year, label('agrade', e.assessment_grade)));
  }
  return '';
}

// Public: the profile names each measure and its list; the server attributes a measure to the
// earliest membership of that list, so that membership gives its date, reason and entries.
function publicMeasures(p) {
  return p.measures.map((m) => {
    const first = p.lists.filter((l) => l.list === m.list).sort((a, b) => a.since.localeCompare(b.since))[0];
    return { ...m, since: first?.since || '', reason: first?.reason || '', reason_zh: first?.reason_zh || '', seqs: first?.seqs || [] };
  });
}

// A measure's name in the chosen language (the catalogue's English name in English).
function measureName(m) {
  return getLang() === 'en' && m.measure_en ? m.measure_en : m.measure;
}

// 联合奖惩反馈: an implementing department's report that it applied the measure (the date is
// "implemented", or "applied" in older answers).
function appliedItem(a, links) {
  return h('li', { 'data-feedback': a.feedback_id },
    t('measure.appliedLine', a.implemented || (typeof a.applied === 'string' ? a.applied : ''), a.matter), ' · ',
    t('measure.appliedBy'), ' ', h('span', { class: 'mono' }, a.implementing_agency), ' ', links(a.seqs));
}

function measuresCard(p, measures, links) {
  const items = measures ? measures.measures : publicMeasures(p);
  if (!items.length) return section(t('subject.measures'), h('p', { id: 'measures', class: 'ok-text' }, t('subject.noMeasures')));
  return section(t('subject.measures'), h('ul', { id: 'measures', class: 'measures' }, items.map((m) =>
    h('li', { 'data-list': m.list, 'data-measure': m.measure },
      t('subject.measureLine', measureName(m), m.since, said(m, 'reason')), ' ', links(m.seqs),
      h('span', { class: 'tag' }, label('list', m.list)),
      m.basis || m.department ? h('div', { class: 'measure-detail muted small' }, t('measure.detail', m.basis || '—', m.department || '—')) : null,
      Array.isArray(m.applied) && m.applied.length
        ? h('div', { class: 'applied' }, h('span', { class: 'applied-head' }, t('measure.applied')),
          h('ul', null, m.applied.map((a) => appliedItem(a, links))))
        : null))));
}

// The action in the check card's box (the page's ?action= until a check has been run).
let checkedAction = '';
function currentAction(fallback) { return checkedAction || fallback || ''; }

// 联合奖惩核查: may an action be granted to the subject on the page's date? The answer names each
// measure that restricts it (or rewards), with its basis, department, list, rule and entries.
function checkCard(p, measures, ctx, asOf, action, links) {
  const scopes = (measures?.measures || []).map((m) => m.scope).filter(Boolean);
  const offered = [...new Set([...scopes, ...COMMON_ACTIONS])];
  const input = h('input', {
    id: 'check-action', type: 'text', value: action, list: 'check-actions', autocomplete: 'off',
    placeholder: t('check.placeholder'), class: 'check-input',
  });
  const result = h('div', { id: 'check-result', role: 'status', 'aria-live': 'polite' });
  const base = `/v1/subjects/${enc(p.subject)}/check`;
  let running = null;

  async function run(what) {
    const act = String(what ?? input.value).trim();
    input.value = act;
    if (!act) {
      result.replaceChildren(h('p', { class: 'date-error' }, t('check.empty')));
      return;
    }
    checkedAction = act;
    history.replaceState(null, '', hashFor(`subject/${enc(p.subject)}`, { as_of: asOf, action: act }));
    running?.abort();
    const mine = new AbortController();
    running = mine;
    ctx.signal.addEventListener('abort', () => mine.abort());
    result.replaceChildren(h('p', { class: 'muted' }, t('check.running')));
    result.removeAttribute('data-decision');
    try {
      const q = new URLSearchParams({ action: act });
      if (asOf) q.set('as_of', asOf);
      const c = await get(`${base}?${q}`, { signal: mine.signal });
      if (running !== mine) return;
      result.replaceChildren(...checkResult(c, links));
      result.dataset.decision = c.decision;
      result.dataset.action = c.action;
    } catch (err) {
      if (err.name === 'AbortError' || running !== mine) return;
      result.replaceChildren(errorBox(err));
    }
  }

  const card = h('section', { class: 'card check-card', id: 'check-card' },
    h('h2', null, t('check.title')),
    h('p', { class: 'muted' }, t('check.note', p.as_of)),
    h('form', { class: 'row check-form', id: 'check-form', onsubmit: (e) => { e.preventDefault(); run(); } },
      h('label', { for: 'check-action' }, t('check.action')),
      input,
      h('datalist', { id: 'check-actions' }, offered.map((a) => h('option', { value: a }))),
      h('button', { type: 'submit', class: 'primary', id: 'check-button' }, t('check.button'))),
    h('div', { class: 'row chips', role: 'group', 'aria-label': t('check.offered') },
      h('span', { class: 'muted small' }, t('check.offered')),
      offered.map((a) => h('button', { type: 'button', class: 'chip', 'data-action': a, onclick: () => run(a) }, a))),
    result);
  if (action) run(action);
  return card;
}

function checkResult(c, links) {
  const restricted = c.decision === 'restricted';
  const out = [
    h('div', { class: `decision decision-${c.decision}`, id: 'check-decision' },
      h('strong', null, t(`check.decision.${c.decision}`)),
      h('span', null, restricted ? t('check.restrictedLine', c.action, c.restrictions.length, c.as_of) : t('check.allowedLine', c.action, c.as_of))),
  ];
  if (c.restrictions.length) {
    out.push(h('h3', null, t('check.restrictions')), measureFacts(c.restrictions, 'check-restrictions', links));
  }
  if (c.incentives.length) {
    out.push(h('h3', null, t('check.incentives')), measureFacts(c.incentives, 'check-incentives', links));
  }
  return out;
}

function measureFacts(items, id, links) {
  return h('ul', { class: 'check-measures', id }, items.map((m) => h('li', { 'data-measure': m.measure, 'data-list': m.list },
    h('strong', { class: 'measure-name' }, measureName(m)),
    h('dl', { class: 'facts' },
      m.basis ? [h('dt', null, t('check.basis')), h('dd', { class: 'basis' }, m.basis)] : null,
      m.department ? [h('dt', null, t('check.department')), h('dd', { class: 'department' }, m.department)] : null,
      h('dt', null, t('check.list')), h('dd', { class: 'list' }, label('list', m.list)),
      m.rule ? [h('dt', null, t('check.rule')), h('dd', { class: 'rule', title: m.rule }, ruleName(m))] : null,
      m.since ? [h('dt', null, t('check.period')), h('dd', { class: 'period' }, t('check.since', m.since, m.until))] : null,
      m.reason || m.reason_zh ? [h('dt', null, t('check.reason')), h('dd', null, said(m, 'reason'))] : null,
      h('dt', null, t('check.entries')), h('dd', { class: 'entries' }, links(m.seqs))))));
}

// Inspector view: records in the log that a rule does not let count (a listing decided inside
// its objection window, a term beyond the maximum, a repair whose conditions are not met).
function disregardedCard(p, links) {
  if (!p.disregarded || !p.disregarded.length) return null;
  return section(t('subject.disregarded'),
    h('p', { class: 'muted' }, t('subject.disregardedNote')),
    table([t('subject.rule'), t('col.reason'), t('col.seqs')],
      p.disregarded.map((d) => [h('span', { class: 'rule', title: d.rule }, ruleName(d)), said(d, 'reason'), links([d.seq])]),
      { id: 'disregarded' }));
}

function listsCard(p, links) {
  if (!p.lists.length) return section(t('subject.lists'), h('p', { id: 'lists' }, t('subject.noLists')));
  return section(t('subject.lists'), table(
    [t('col.list'), t('col.since'), t('col.until'), t('col.reason'), t('subject.rule'), t('col.seqs')],
    p.lists.map((l) => [label('list', l.list), l.since, l.until || t('open'), said(l, 'reason'), h('span', { class: 'rule', title: l.rule }, ruleName(l)), links(l.seqs)]),
    { id: 'lists' }));
}

// A commitment's state; a 容缺受理 whose materials did not come is breached from the day after
// its deadline (lapsed_on).
function commitmentState(c) {
  const state = h('span', { class: `state state-${c.state}` }, label('cstate', c.state));
  if (!c.lapsed_on) return state;
  return h('span', { class: 'lapsed', 'data-lapsed': c.lapsed_on },
    state, h('br'), h('span', { class: 'muted small', title: t(`rule.${c.rule || 'commitment.incomplete_acceptance_lapsed'}`) }, t('commitment.lapsed', c.lapsed_on)));
}

// The accepting agency's verification (谁审批谁监管): its state and last day; due and overdue ones
// link to the agency's 待核查 list.
function verification(c, ctx) {
  if (!c.verification) return '';
  const words = label('vstate', c.verification);
  const open = (c.verification === 'due' || c.verification === 'overdue') && c.accepting_agency && ctx.may('records');
  return h('span', { class: `verification vstate-${c.verification}`, 'data-verification': c.verification, title: c.accepting_agency || null },
    open ? h('a', { href: hashFor('due-verifications', { agency: c.accepting_agency }) }, words) : words,
    h('br'), h('span', { class: 'muted small nowrap' }, t('vstate.by', c.verify_by)));
}

function commitmentsCard(p, links, ctx) {
  if (!p.commitments.length) return section(t('subject.commitments'), h('p', null, t('subject.none')));
  // The verification column for readers of rule details (the server sends it to them).
  const verified = p.commitments.some((c) => c.verification);
  return section(t('subject.commitments'), table(
    [t('col.id'), t('col.type'), t('col.matter'), t('col.made'), t('col.deadline'), t('col.state'), verified ? t('col.verification') : null, t('col.seqs')].filter(Boolean),
    p.commitments.map((c) => [h('span', { class: 'mono' }, c.id), label('ctype', c.type), c.matter, c.made, c.deadline,
      commitmentState(c), verified ? verification(c, ctx) : null, links(c.seqs)].filter((x) => x !== null)),
    { id: 'commitments', class: verified ? 'tablet-cards' : null }));
}

// What an objection is to: a listing notice, or a record (penalty, commitment, contract, listing).
function objectedTo(o) {
  if (o.notice_id) return h('span', null, t('objto.notice'), ' ', h('span', { class: 'mono' }, o.notice_id));
  return h('span', null, label('objto', o.record_type) === String(o.record_type) ? label('ev', o.record_type) : label('objto', o.record_type),
    ' ', h('span', { class: 'mono' }, o.record_id));
}

// 异议 (inspectors): each objection with its last day for handling and its state.
function objectionsCard(p, links) {
  if (!Array.isArray(p.objections)) return null;
  if (!p.objections.length) return section(t('subject.objections'), h('p', { id: 'objections' }, t('subject.none')));
  return section(t('subject.objections'),
    h('p', { class: 'muted' }, t('subject.objectionsNote')),
    table([t('col.id'), t('col.objectedTo'), t('col.filed'), t('col.dueBy'), t('col.state'), t('col.handlingAgency'), t('col.seqs')],
      p.objections.map((o) => [h('span', { class: 'mono' }, o.id), objectedTo(o), o.filed, o.due_by,
        h('span', { class: `ostate ostate-${o.state}`, 'data-state': o.state, title: o.rule ? t(`rule.${o.rule}`) : null },
          label('ostate', o.state),
          o.resolved ? [h('br'), h('span', { class: 'muted small' }, t('objection.resolved', o.resolved, o.late))] : null),
        o.handling_agency ? h('span', { class: 'mono' }, o.handling_agency) : '', links(o.seqs)]),
      { id: 'objections', class: 'tablet-cards' }));
}

function contractsCard(p, links) {
  const payer = p.as_payer
    ? h('p', null, t('subject.asPayer', p.as_payer.contracts_due, percent(p.as_payer.on_time_rate), yuan(p.as_payer.arrears_outstanding_fen)))
    : null;
  if (!p.contracts.length) return section(t('subject.contracts'), payer, h('p', null, t('subject.none')));
  return section(t('subject.contracts'), payer, table(
    [t('col.id'), t('col.role'), t('col.amount'), t('col.due'), t('col.outstanding'), t('col.overdue'), t('col.onTime'), t('col.seqs')],
    p.contracts.map((c) => [h('span', { class: 'mono' }, c.id), label('crole', c.role), h('span', { class: 'num' }, yuan(c.amount_fen)), c.due,
      h('span', { class: c.outstanding_fen > 0 ? 'num bad-text' : 'num' }, yuan(c.outstanding_fen)),
      c.days_overdue > 0 ? h('span', { class: 'bad-text' }, t('days', c.days_overdue)) : '0',
      c.paid_on_time ? t('yes') : t('no'), links(c.seqs)])));
}

// 好差评 of a public body: the totals in a sentence (办件 9，评价率 100.0%，平均 4.00 星，差评 1：…),
// a row per 事项, then each 差评 not rectified by its deadline with its entries.
const stars = (f) => (f.rated ? f.average.toFixed(2) : '—');
function servicesCard(sv, links) {
  const card = (...kids) => h('section', { class: 'card services-card', id: 'services' }, h('h2', null, t('services.title')), kids);
  if (sv.error) return card(errorBox(sv.error));
  if (!sv.cases) return card(h('p', { id: 'services-totals', class: 'muted' }, t('services.none', sv.as_of)));
  const totals = t('services.totals', {
    cases: sv.cases, rate: percent(sv.rating_rate), average: sv.rated ? t('services.average', stars(sv)) : t('services.unrated'),
    bad: sv.bad, onTime: sv.rectified_on_time, late: sv.rectified_late, overdue: sv.rectification_overdue, due: sv.rectification_due,
    followedUp: sv.followed_up, satisfied: sv.satisfied,
  });
  const num = (n, bad) => h('span', { class: bad && n > 0 ? 'num bad-text' : 'num' }, String(n));
  const matters = h('div', { class: 'table-wrap' }, h('table', { id: 'services-matters' },
    h('thead', null, h('tr', null, [t('col.matter'), t('col.cases'), t('col.ratingRate'), t('col.average'), t('col.bad'),
      t('col.rectifiedOnTime'), t('col.rectificationOverdue')].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, sv.matters.map((m) => h('tr', { 'data-matter': m.matter },
      h('td', null, m.matter),
      h('td', null, num(m.cases)),
      h('td', null, h('span', { class: 'num' }, m.cases ? percent(m.rating_rate) : '—')),
      h('td', null, h('span', { class: 'num' }, m.rated ? t('services.stars', stars(m)) : '—')),
      h('td', null, num(m.bad)),
      h('td', null, num(m.rectified_on_time)),
      h('td', null, num(m.rectification_overdue, true)))))));
  const overdue = sv.overdue.length
    ? h('div', { class: 'table-wrap' }, h('table', { id: 'services-overdue' },
      h('thead', null, h('tr', null, [t('col.case'), t('col.matter'), t('col.rated'), t('col.stars'), t('col.rectifyBy'), t('col.seqs')]
        .map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, sv.overdue.map((o) => h('tr', { 'data-case': o.case_id, title: t(`rule.${o.rule}`) },
        h('td', null, h('span', { class: 'mono' }, o.case_id)),
        h('td', null, o.matter),
        h('td', { class: 'nowrap' }, o.rated || '—'),
        h('td', null, h('span', { class: 'bad-text' }, t('services.stars', o.rating))),
        h('td', { class: 'nowrap' }, h('span', { class: 'bad-text' }, o.due_by)),
        h('td', null, links(o.seqs)))))))
    : h('p', { id: 'services-overdue', class: 'ok-text' }, t('services.overdueNone'));
  return card(
    h('p', { class: 'muted small' }, t('services.note')),
    // Each clause kept on one line (差评 1：, not 差评 | 1：), the lines broken between them.
    h('p', { id: 'services-totals', 'data-as-of': sv.as_of }, totals.match(/[^，：、,:;]+[，：、,:;]?\s*/g).map((c) =>
      [h('span', { class: 'nowrap' }, c.trimEnd()), c.slice(c.trimEnd().length)])),
    h('h3', null, t('services.matters')), matters,
    h('h3', null, t('services.overdue')), overdue);
}

function publicity(pen) {
  const words = {
    in_publicity: t('publicity.in_publicity', pen.publicity_last_day ?? pen.publicity_until),  // 至: the last day in publicity
    expired: t('publicity.expired', pen.publicity_until),
    repaired: t('publicity.repaired'),
    revoked: t('publicity.revoked'),
    not_published: t('publicity.not_published'),
  }[pen.state] || pen.state;
  return h('span', { class: `state state-${pen.state}` }, words,
    pen.state === 'in_publicity' ? h('span', { class: 'muted small' }, ` · ${t('publicity.repairable', pen.repairable_from)}`) : null);
}

function penaltiesCard(p, links) {
  if (!p.penalties.length) return section(t('subject.penalties'), h('p', { id: 'penalties' }, t('subject.none')));
  return section(t('subject.penalties'), table(
    [t('col.decision'), t('col.category'), t('col.severity'), t('col.decided'), t('col.fine'), t('col.publicity'), t('col.seqs')],
    p.penalties.map((pen) => [pen.decision_number, pen.category,
      // 减轻/从轻/从重 are shown with the severity (Jinan's four lists); 不予处罚 in the publicity column.
      pen.discretion && pen.discretion !== 'Standard' && pen.discretion !== 'NoPenalty'
        ? `${label('severity', pen.severity)} · ${label('discretion', pen.discretion)}` : label('severity', pen.severity),
      pen.decided,
      h('span', { class: 'num' }, yuan(pen.fine_fen)), publicity(pen), links(pen.seqs)]),
    { id: 'penalties' }));
}
