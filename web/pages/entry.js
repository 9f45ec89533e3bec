// One ledger entry, verified in this browser: the checkpoint's signature, the leaf hash, the
// inclusion proof to the checkpoint's root and the author's signature (see verify.js).
import { get } from '../api.js';
import { h, enc, cstTime, table, section } from '../dom.js';
import { t, label } from '../i18n.js';
import { verifyEntry, parseCheckpoint, hasWebCrypto } from '../verify.js';
import { fieldValue, orderedFields } from '../events.js';

const CHECKS = ['checkpoint', 'leaf', 'inclusion', 'author', 'embedded'];

export async function render(view, ctx) {
  const seq = Number(ctx.arg);
  if (!Number.isSafeInteger(seq) || seq < 0) throw Object.assign(new Error(ctx.arg), { status: 400 });
  document.title = `${t('entry.title', seq)} · creditlog`;
  view.append(h('h1', null, t('entry.title', seq)), h('p', { class: 'muted loading' }, t('loading')));

  const [entry, note, key] = await Promise.all([
    get(`/v1/entries/${seq}`, { signal: ctx.signal }).catch((err) => {
      throw err.status === 404 ? Object.assign(new Error(t('entry.missing', seq)), { status: 404 }) : err;
    }),
    get('/v1/checkpoint', { signal: ctx.signal, text: true }),
    get('/v1/verifier-key', { signal: ctx.signal, text: true }),
  ]);
  if (!ctx.isCurrent()) return;

  const verdict = h('div', { id: 'verdict', class: 'verdict pending', role: 'status' }, t('entry.verifying'));
  const checks = h('ul', { id: 'checks', class: 'checks' });
  view.replaceChildren(
    h('h1', null, t('entry.title', seq)),
    h('nav', { class: 'row' },
      seq > 0 ? h('a', { href: `#/entry/${seq - 1}`, class: 'button' }, `← ${t('entry.prev')}`) : null,
      h('a', { href: `#/entry/${seq + 1}`, class: 'button' }, `${t('entry.next')} →`)),
    h('section', { class: 'card verify-card' }, verdict, h('h2', null, t('entry.checks')), checks,
      h('p', { class: 'muted small' }, t('entry.verifiedNote'))),
    overview(entry),
    section(t('entry.event'), eventTable(entry.event)));

  const result = await check(entry, note, key, ctx);
  if (!ctx.isCurrent()) return;
  checks.replaceChildren(...CHECKS.map((id) => {
    const c = result.checks.find((x) => x.id === id) || { ok: false, detail: '' };
    return h('li', { class: c.ok ? 'ok' : 'bad', 'data-check': id, 'data-ok': String(c.ok) },
      h('span', { class: 'mark', 'aria-hidden': 'true' }, c.ok ? '✓' : '✗'),
      h('span', { class: 'visually-hidden' }, c.ok ? 'OK' : 'FAILED'),
      h('span', null, h('strong', null, t(`entry.check.${id}`)), h('span', { class: 'detail mono' }, c.detail)));
  }));
  verdict.className = `verdict ${result.ok ? 'ok' : 'bad'}`;
  verdict.dataset.ok = String(result.ok);
  verdict.textContent = `${result.ok ? '✓' : '✗'} ${result.ok ? t('entry.verified') : t('entry.failed')}`;
  if (result.error) verdict.append(h('div', { class: 'detail' }, result.error));
  view.dataset.verified = String(result.ok);
}

async function check(entry, note, key, ctx) {
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
    return { ...(await verifyEntry({ entry, note, key, proof })), error };
  } catch (err) {
    return { ok: false, checks: [], error: err.message };
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
