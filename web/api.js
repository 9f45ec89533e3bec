// The server's API: GET and POST with the session's bearer token, errors as ApiError with the
// HTTP status, and a box that tells the user what an error means.
import { h } from './dom.js';
import { t, getLang } from './i18n.js';

const TOKEN_KEY = 'creditlog.token';
const PURPOSE_KEY = 'creditlog.purpose';

// Why files are read (docs/privacy.md): a signed-in user names one once per session; every
// request then carries it, and the server records each read of a file with it.
export const PURPOSES = ['approval', 'supervision', 'bidding', 'repair_review', 'objection', 'appointment', 'audit'];
// The routes that read files (and personnel's search): the ones that take a purpose. A check
// before granting an action, an agency's 待核查 list, a list checked at once (批量核查) and
// credit reports read files too.
const READS_OF_FILES = /^\/v1\/(subjects\/[^?]+\/(profile|measures|check|timeline|access-log|report)|agencies\/[^?]+\/due-verifications|entries|lists\/|search|check-list|reports)/;
export function getPurpose() {
  try { return sessionStorage.getItem(PURPOSE_KEY) || ''; } catch { return ''; }
}
export function setPurpose(purpose) {
  try {
    if (purpose) sessionStorage.setItem(PURPOSE_KEY, purpose); else sessionStorage.removeItem(PURPOSE_KEY);
  } catch { /* storage blocked */ }
}

export function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}
export function setToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage blocked: the token lives only until reload */ }
}

export class ApiError extends Error {
  constructor(status, code, message, retryAfter, details) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.details = details || null;
  }
}

// A request with the session's token (or `token`), naming the session's purpose on a read of a
// file; the answer as `as` says: 'json', 'text' or 'blob'.
async function request(path, { method = 'GET', body, signal, token, as = 'json' } = {}) {
  const tok = token ?? getToken();
  const headers = tok ? { Authorization: `Bearer ${tok}` } : {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const purpose = tok && READS_OF_FILES.test(path) ? getPurpose() : '';
  const url = purpose && !/[?&]purpose=/.test(path) ? `${path}${path.includes('?') ? '&' : '?'}purpose=${encodeURIComponent(purpose)}` : path;
  let res;
  try {
    res = await fetch(url, { method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', err.message);
  }
  if (!res.ok) {
    let code = '';
    let message = '';
    let details = null;
    try { ({ code, message, details } = (await res.json()).error); } catch { /* not JSON */ }
    throw new ApiError(res.status, code, message, res.headers.get('Retry-After'), details);
  }
  return as === 'blob' ? res.blob() : as === 'text' ? res.text() : res.json();
}

// GET path → parsed JSON (or text with {text: true}). token overrides the session's token.
export function get(path, { signal, text = false, token } = {}) {
  return request(path, { signal, token, as: text ? 'text' : 'json' });
}

// POST body (as JSON) to path → parsed JSON, or a Blob with {binary: true} (a file to save).
export function post(path, body, { signal, binary = false, token } = {}) {
  return request(path, { method: 'POST', body, signal, token, as: binary ? 'blob' : 'json' });
}

export function errorText(err) {
  const st = err.status;
  if (st === 0) return t('err.network');
  if (st === 400 && String(err.message || '').startsWith('purpose:')) return t('err.purpose');
  if (st === 401 || st === 403 || st === 404 || st === 400) return t(`err.${st}`);
  if (st === 429) return t('err.429', err.retryAfter);
  if (st >= 500) return t('err.5xx', st);
  return String(err.message || err);
}

// What the server's structured details say, in the user's language: for a refusal, the roles
// whose token would do.
function detailText(err) {
  const roles = err.details?.roles;
  if (Array.isArray(roles) && roles.length) {
    const who = roles.map((r) => t(`role.${r}`)).join(t('err.or'));
    const now = err.details.role && err.details.role !== 'public' ? `（${t('err.roleNow', t(`role.${err.details.role}`))}）` : '';
    return t('err.roles', who) + now;
  }
  return '';
}

// The heading in the user's language, then what the details say; the server's own words (in
// English) are shown as they are in English, and kept behind 服务器原文 in Chinese.
export function errorBox(err) {
  const message = err.status !== undefined && err.message && err.status !== 0 ? err.message : '';
  const said = detailText(err);
  // Messages the console wrote itself are in the user's language already.
  const raw = message && message !== said
    ? (getLang() === 'zh' && err instanceof ApiError
      ? h('details', { class: 'detail server-text' }, h('summary', null, t('err.serverText')), h('span', { class: 'mono small' }, message))
      : h('div', { class: 'detail' }, message))
    : null;
  return h('div', { class: `error status-${err.status ?? 'x'}`, role: 'alert' },
    h('strong', null, errorText(err)),
    said ? h('div', { class: 'detail' }, said) : null,
    raw);
}
