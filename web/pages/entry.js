// One ledger entry, verified in this browser: the checkpoint's signature, the leaf hash, the
// inclusion proof to the checkpoint's root and the author's signature, and, when the server
// publishes only witnessed checkpoints, the witnesses' cosignatures and their quorum (see
// verify.js). The 见证 card shows each witness of the policy as the server sees it.
import { get } from '../api.js';
import { h, enc, cstTime, table, section } from '../dom.js';
import { t, label } from '../i18n.js';
import { verifyEntry, parseCheckpoint, parsePolicy, quorumWords, localTime, localZone, hasWebCrypto } from '../verify.js';
import { fieldValue, orderedFields } from '../events.js';

const CHECKS = ['checkpoint', 'leaf', 'inclusion', 'author', 'embedded'];
const WITNESS_STATES = ['ok', 'unreachable', 'refusing', 'ahead', 'error', 'starting'];

export async function render(view, ctx) {
  const seq = Number(ctx.arg);
  if (!Number.isSafeInteger(seq) || seq < 0) throw Object.assign(new Error(ctx.arg), { status: 400 });
  document.title = `${t('entry.title', seq)} · creditlog`;
  view.append(h('h1', null, t('entry.title', seq)), h('p', { class: 'muted loading' }, t('loading')));

  const [entry, checkpoint, key, witnesses] = await Promise.all([
    get(`/v1/entries/${seq}`, { signal: ctx.signal }).catch((err) => {
      throw err.status === 404 ? Object.assign(new Error(t('entry.missing', seq)), { status: 404 }) : err;
    }),
    // With a witness policy there is no checkpoint (404) until its quorum has cosigned one.
    get('/v1/checkpoint', { signal: ctx.signal, text: true }).catch((err) => (err.status === 404 ? err : Promise.reject(err))),
    get('/v1/verifier-key', { signal: ctx.signal, text: true }),
    // A server without witnesses (or older than them) has no such route.
    get('/v1/witnesses', { signal: ctx.signal }).catch((err) => (err.status === 404 ? null : Promise.reject(err))),
  ]);
  if (!ctx.isCurrent()) return;
  const witnessed = witnesses?.witnesses?.length > 0;
  if (typeof checkpoint !== 'string' && !witnessed) throw checkpoint;
  const note = typeof checkpoint === 'string' ? checkpoint : null;

  const verdict = h('div', { id: 'verdict', class: 'verdict pending', role: 'status' }, t('entry.verifying'));
  const checks = h('ul', { id: 'checks', class: 'checks' });
  view.replaceChildren(
    h('h1', null, t('entry.title', seq)),
    h('nav', { class: 'row' },
      seq > 0 ? h('a', { href: `#/entry/${seq - 1}`, class: 'button' }, `← ${t('entry.prev')}`) : null,
      h('a', { href: `#/entry/${seq + 1}`, class: 'button' }, `${t('entry.next')} →`)),
    h('section', { class: 'card verify-card' }, verdict, h('h2', null, t('entry.checks')), checks,
      h('p', { class: 'muted small' }, t('entry.verifiedNote'))),
    ...(witnessed ? [witnessCard(witnesses)] : []),
    overview(entry),
    section(t('entry.event'), eventTable(entry.event)));

  const result = note === null
    ? { ok: false, checks: [], error: t('wit.notPublished') }
    : await check(entry, note, key, witnessed ? witnesses : null, ctx);
  if (!ctx.isCurrent()) return;
  if (witnessed) markCosigned(view, result.witnesses);
  checks.replaceChildren(...[...CHECKS, ...(witnessed ? ['witnesses'] : [])].map((id) => {
    const c = result.checks.find((x) => x.id === id) || { ok: false, detail: '' };
    return h('li', { class: c.ok ? 'ok' : 'bad', 'data-check': id, 'data-ok': String(c.ok) },
      h('span', { class: 'mark', 'aria-hidden': 'true' }, c.ok ? '✓' : '✗'),
      h('span', { class: 'visually-hidden' }, c.ok ? t('entry.checkOk') : t('entry.checkFailed')),
      h('span', null, h('strong', null, t(`entry.check.${id}`)), h('span', { class: 'detail mono' }, c.detail)));
  }));
  verdict.className = `verdict ${result.ok ? 'ok' : 'bad'}`;
  verdict.dataset.ok = String(result.ok);
  verdict.textContent = `${result.ok ? '✓' : '✗'} ${result.ok ? t('entry.verified') : t('entry.failed')}`;
  if (result.error) verdict.append(h('div', { class: 'detail' }, result.error));
  view.dataset.verified = String(result.ok);
}

async function check(entry, note, key, witnesses, ctx) {
  if (!hasWebCrypto()) return { ok: false, checks: [], error: t('entry.noSubtle') };
  let proof = null;
  let error = '';
  try {
    const { size } = parseCheckpoint(note);
    if (entry.seq < size) proof = await get(`/v1/proofs/inclusion?seq=${entry.seq}&size=${size}`, { signal: ctx.signal });
    else error = t('entry.notCovered', entry.seq, size);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    error = err.message;
  }
  try {
    return { ...(await verifyEntry({ entry, note, key, proof, witnesses })), error };
  } catch (err) {
    return { ok: false, checks: [], error: err.message };
  }
}

// 见证: the policy's quorum in words, the checkpoint the server published and who cosigned it,
// and each witness as the server sees it: its state, the size it last cosigned and, when it
// does not cosign, why (the server's words, as they are). Names, keys and addresses are codes.
function witnessCard(w) {
  const code = (text, cls = '') => h('code', { class: `mono ${cls}`.trim() }, text);
  let quorum;
  try {
    quorum = quorumWords(parsePolicy(w.policy).quorum).map((p) => (typeof p === 'string' ? p : code(p.name)));
  } catch (err) {
    quorum = [h('span', { class: 'bad' }, t('wit.badPolicy')), ' ', code(err.message, 'small')];
  }
  const published = w.published
    ? h('p', { id: 'witnesses-published' }, t('wit.published', w.published.size),
      (w.published.cosigned_by || []).length
        ? [t('wit.publishedBy'), (w.published.cosigned_by).map((c, i) => [i ? t('wit.quorum.sep') : '', code(c.witness)])]
        : null)
    : h('p', { id: 'witnesses-published', class: 'bad' }, t('wit.notPublished'));
  const pending = w.signed_size > (w.published?.size ?? 0)
    ? h('p', { class: 'muted small', id: 'witnesses-pending' }, t('wit.pending', w.signed_size)) : null;
  const rows = w.witnesses.map((x) => {
    const state = WITNESS_STATES.includes(x.state) ? x.state : 'error';
    const why = [];
    if (x.state === 'ahead' && x.witness_size !== undefined) why.push(h('span', null, t('wit.witnessSize', x.witness_size), ' '));
    if (x.state !== 'ok' && x.error) why.push(code(x.error, 'small wit-error'));
    return [
      h('span', { class: 'wit-who' }, code(x.name, 'wit-name'), h('br'), code(x.key, 'small wit-key'), h('br'), code(x.url, 'small wit-url')),
      h('span', { class: `wit-state wit-${state}`, 'data-state': x.state }, t(`wit.state.${state}`)),
      x.cosigned_size || x.cosigned_at_ms ? String(x.cosigned_size) : t('wit.never'),
      x.cosigned_at_ms ? localTime(x.cosigned_at_ms) : '—',
      h('span', { class: 'wit-here' }, '…'),
      why.length ? h('span', null, why) : '—',
    ];
  });
  const list = table([t('wit.col.witness'), t('wit.col.state'), t('wit.col.size'), t('wit.col.at', localZone()), t('wit.col.here'), t('wit.col.note')],
    rows, { id: 'witnesses-table', class: 'tablet-cards' });
  // Each row names its witness, for whoever reads the page (and its tests).
  list.querySelectorAll('tbody tr').forEach((tr, i) => { tr.dataset.witness = w.witnesses[i].name; });
  return h('section', { class: 'card', id: 'witnesses' },
    h('h2', null, t('wit.title')),
    h('p', { id: 'witnesses-quorum' }, t('wit.quorum'), quorum),
    published, pending, list,
    h('p', { class: 'muted small' }, t('wit.note')));
}

// Which witnesses' cosignatures on the checkpoint this page verified ('—' for all when the
// check could not be made).
function markCosigned(view, result) {
  for (const cell of view.querySelectorAll('#witnesses-table .wit-here')) cell.textContent = '—';
  for (const r of result?.results || []) {
    const row = view.querySelector(`#witnesses-table tbody tr[data-witness="${CSS.escape(r.witness.name)}"] .wit-here`);
    if (!row) continue;
    const what = !r.found ? 'no' : r.ok ? 'yes' : 'bad';
    row.textContent = t(`wit.here.${what}`);
    row.className = `wit-here wit-here-${what}`;
    row.closest('tr').dataset.cosigned = what;
  }
}

function overview(entry) {
  const signer = entry.signer;
  const subject = entry.event?.subject;
  const rows = [
    [t('col.event'), h('span', { title: entry.event?.body_type || '' }, label('ev', entry.event?.body_type))],
    [t('entry.subject'), subject ? h('a', { href: `#/subject/${enc(subject)}` }, subject) : '—'],
    [t('entry.signer'), signer
      ? h('span', { id: 'signer' }, `${signer.agency_name || ''} (${signer.agency_uscc || ''})`)
      : h('span', { id: 'signer' }, t('entry.unknownSigner'))],
    [t('entry.key'), h('span', null, signer?.key_name ? `${signer.key_name} · ` : '', h('span', { class: 'mono small' }, entry.public_key),
      signer ? h('span', null, ' · ', t('entry.registered'), ' ', h('a', { href: `#/entry/${signer.registered_seq}` }, `#${signer.registered_seq}`), ' · ',
        signer.revoked_seq === null || signer.revoked_seq === undefined
          ? t('entry.notRevoked')
          : h('span', null, t('entry.revoked'), ' ', h('a', { href: `#/entry/${signer.revoked_seq}` }, `#${signer.revoked_seq}`))) : null)],
    [t('entry.recorded'), `${cstTime(entry.recorded_at_ms)} (UTC+8)`],
    [t('entry.version'), entry.stream_version ?? '—'],
    [t('entry.eventId'), h('span', { class: 'mono' }, entry.event?.event_id || '')],
  ];
  return h('section', { class: 'card' }, h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])));
}

function eventTable(event) {
  const body = event?.body || {};
  return table([t('entry.field'), t('entry.value')], orderedFields(body).map(([k, v]) => [
    h('span', { title: k, 'data-field': k }, label('field', k)),
    // Identifiers and keys as codes, the way the rest of the console shows them.
    /(^|_)(id|uscc|origin|key)$/.test(k) ? h('span', { class: 'mono' }, fieldValue(k, v)) : fieldValue(k, v)]), { class: 'kv' });
}
