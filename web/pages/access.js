// A subject's 查询记录 (auditors): every recorded read of its file through the server, newest
// last, from the access log (docs/privacy.md).
import { get } from '../api.js';
import { h, enc, hashFor, table } from '../dom.js';
import { t, label } from '../i18n.js';

// "2026-11-30 14:02:11" in China Standard Time.
function when(ms) {
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

// What a read was of, by its route ("GET /v1/subjects/{id}/profile" → 信用档案).
const ROUTES = [['/profile', 'route.profile'], ['/measures', 'route.measures'], ['/check', 'route.check'], ['/timeline', 'route.timeline'],
  ['/access-log', 'route.accessLog'], ['/v1/entries', 'route.entry'], ['/v1/lists/', 'route.list'], ['/v1/search', 'route.search'],
  ['/due-verifications', 'route.dueVerifications']];
function routeName(route) {
  const found = ROUTES.find(([part]) => String(route).includes(part));
  return found ? t(found[1]) : route;
}

// What was read within the route: entries by seq, a list by name, a search by its words, an
// agency's 待核查 list by the agency's code.
function targetName(target) {
  const text = String(target || '');
  if (text === 'access-log') return t('route.accessLog');
  if (/^(SeriousDishonesty|Watch|NotificationIneligible|GovernmentDishonesty|Red)$/.test(text)) return label('list', text);
  if (text.startsWith('q=')) return h('span', null, `${t('route.search')}：`, h('span', { class: 'mono' }, text.slice(2)));
  if (/^[0-9A-Z]{18}$/.test(text)) return h('span', { class: 'mono' }, text);
  return text.replace(/^seq /, `${t('col.seq')} `);
}

export async function render(view, ctx) {
  const id = ctx.arg;
  view.append(h('p', { class: 'muted loading' }, t('loading')));
  const data = await get(`/v1/subjects/${enc(id)}/access-log`, { signal: ctx.signal });
  if (!ctx.isCurrent()) return;
  document.title = `${t('access.title')} · ${id} · creditlog`;
  const rows = data.access.map((r) => [
    when(r.read_at_ms), h('span', { class: 'mono' }, r.reader), t(`role.${r.role}`), label('purpose', r.purpose),
    h('span', { title: r.route }, routeName(r.route)),
    targetName(r.target), h('span', { class: 'mono muted' }, `#${r.seq}`),
  ]);
  view.replaceChildren(
    h('h1', null, t('access.title')),
    h('p', null, h('span', { class: 'mono' }, data.subject), ' · ', t('access.count', data.records, data.access.length), ' · ',
      h('a', { href: hashFor(`subject/${enc(id)}`) }, t('timeline.back'))),
    h('p', { class: 'muted' }, t('access.note')),
    data.access.length
      ? table([t('col.when'), t('col.reader'), t('col.role'), t('col.purpose'), t('col.route'), t('col.target'), t('col.seq')], rows, { id: 'access-table' })
      : h('p', { class: 'muted', id: 'access-empty' }, t('access.none')));
}
