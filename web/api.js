// The server's API: GET with the session's bearer token, errors as ApiError with the HTTP
// status, and a box that tells the user what an error means.
import { h } from './dom.js';
import { t } from './i18n.js';

const TOKEN_KEY = 'creditlog.token';
const PURPOSE_KEY = 'creditlog.purpose';

// Why files are read (docs/privacy.md): a signed-in user names one once per session; every
// request then carries it, and the server records each read of a file with it.
export const PURPOSES = ['approval', 'supervision', 'bidding', 'repair_review', 'objection', 'appointment', 'audit'];
// The routes that read files (and personnel's search): the ones that take a purpose.
const READS_OF_FILES = /^\/v1\/(subjects\/[^?]+\/(profile|measures|timeline|access-log)|entries|lists\/|search)/;
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
  constructor(status, code, message, retryAfter) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

// GET path → parsed JSON (or text with {text: true}). token overrides the session's token.
export async function get(path, { signal, text = false, token } = {}) {
  const tok = token ?? getToken();
  const headers = tok ? { Authorization: `Bearer ${tok}` } : {};
  const purpose = tok && READS_OF_FILES.test(path) ? getPurpose() : '';
  const url = purpose && !/[?&]purpose=/.test(path) ? `${path}${path.includes('?') ? '&' : '?'}purpose=${encodeURIComponent(purpose)}` : path;
  let res;
  try {
    res = await fetch(url, { headers, signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', err.message);
  }
  if (!res.ok) {
    let code = '';
    let message = '';
    try { ({ code, message } = (await res.json()).error); } catch { /* not JSON */ }
    throw new ApiError(res.status, code, message, res.headers.get('Retry-After'));
  }
  return text ? res.text() : res.json();
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

export function errorBox(err) {
  const detail = err.status !== undefined && err.message && err.status !== 0 ? err.message : '';
  return h('div', { class: `error status-${err.status ?? 'x'}`, role: 'alert' },
    h('strong', null, errorText(err)),
    detail ? h('div', { class: 'detail' }, detail) : null);
}
