// A subject's credit profile on a date: identity, grade and its reason, list memberships,
// measures in plain words with the entries behind them, commitments, contracts and arrears,
// penalties and their publicity. Readers who may see the file's records (inspectors, auditors,
// admin; personnel for a civil servant) get the full profile and the measures, others the
// public profile (docs/privacy.md).
import { get } from '../api.js';
import { h, enc, hashFor, isDate, dateField, todayCST, yuan, percent, division, divisionName, seqLinks, table, section } from '../dom.js';
import { t, label, said, ruleName } from '../i18n.js';

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
  document.title = `${profile.name} · creditlog`;
  const links = (seqs) => seqLinks(seqs, full);

  view.replaceChildren(...[
    identity(profile, ctx, full, asOf),
    gradeCard(profile, links),
    measuresCard(profile, measures, links),
    listsCard(profile, links),
    disregardedCard(profile, links),
    commitmentsCard(profile, links),
    contractsCard(profile, links),
    penaltiesCard(profile, links),
  ].filter(Boolean));
  view.dataset.asOf = profile.as_of;
  view.dataset.view = full ? 'full' : 'public';
}

function identity(p, ctx, full, asOf) {
  const dateInput = dateField({
    id: 'as-of', value: p.as_of, max: todayCST(),
    onchange: (v) => ctx.go(hashFor(`subject/${enc(p.subject)}`, { as_of: v })),
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

// Public: the profile names each measure and its list; the server attributes a measure to the
// earliest membership of that list, so that membership gives its date, reason and entries.
function publicMeasures(p) {
  return p.measures.map((m) => {
    const first = p.lists.filter((l) => l.list === m.list).sort((a, b) => a.since.localeCompare(b.since))[0];
    return { measure: m.measure, list: m.list, since: first?.since || '', reason: first?.reason || '', reason_zh: first?.reason_zh || '', seqs: first?.seqs || [] };
  });
}

function measuresCard(p, measures, links) {
  const items = measures ? measures.measures : publicMeasures(p);
  if (!items.length) return section(t('subject.measures'), h('p', { id: 'measures', class: 'ok-text' }, t('subject.noMeasures')));
  return section(t('subject.measures'), h('ul', { id: 'measures', class: 'measures' }, items.map((m) =>
    h('li', { 'data-list': m.list },
      t('subject.measureLine', m.measure, m.since, said(m, 'reason')), ' ', links(m.seqs),
      h('span', { class: 'tag' }, label('list', m.list))))));
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

function commitmentsCard(p, links) {
  if (!p.commitments.length) return section(t('subject.commitments'), h('p', null, t('subject.none')));
  return section(t('subject.commitments'), table(
    [t('col.id'), t('col.type'), t('col.matter'), t('col.made'), t('col.deadline'), t('col.state'), t('col.seqs')],
    p.commitments.map((c) => [h('span', { class: 'mono' }, c.id), label('ctype', c.type), c.matter, c.made, c.deadline,
      h('span', { class: `state state-${c.state}` }, label('cstate', c.state)), links(c.seqs)])));
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

function publicity(pen) {
  const words = {
    in_publicity: t('publicity.in_publicity', pen.publicity_until),
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
