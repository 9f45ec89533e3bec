// The inspectors' console: header (language, token, role), hash routing, and the pages, each
// a module in pages/ loaded when first visited.
//   #/search?q=          #/subject/ID?as_of=D     #/timeline/ID
//   #/lists/NAME?…       #/integrity              #/entry/SEQ
//   #/access/ID          (auditors: the subject's 查询记录)
//   #/due-verifications?agency=USCC&as_of=D   (inspectors: an agency's 待核查 list)
//   #/report-verify?s=STATEMENT   (anyone: a credit report verified in the browser)
//   #/check-list                  (inspectors: 批量核查, a list of subjects checked at once)
import { get, getToken, setToken, getPurpose, setPurpose, PURPOSES, errorBox, ApiError } from './api.js';
import { h } from './dom.js';
import { t, getLang, setLang } from './i18n.js';

const ROLES = ['public', 'inspector', 'auditor', 'admin', 'personnel'];
const PAGES = ['search', 'subject', 'timeline', 'lists', 'integrity', 'entry', 'access', 'due-verifications', 'report-verify', 'check-list'];

// `may`: the kinds of information the role may see (GET /v1/whoami, docs/privacy.md); the
// console offers only what the server will answer.
const PUBLIC_MAY = ['log_proofs', 'legal_persons', 'published_lists', 'penalties_in_publicity', 'commitments', 'integrity_board'];
const state = { role: 'public', name: '', may: new Set(PUBLIC_MAY) };
let current = null; // {controller} of the page being shown

const $ = (id) => document.getElementById(id);

function may(info) { return state.may.has(info); }
// A subject's file: a civil servant's ("USCC/staff-number") for personnel, others for supervisors.
function mayFile(id) { return may(String(id).includes('/') ? 'civil_servant_files' : 'records'); }

function notice(text) {
  const box = $('notice');
  box.textContent = text || '';
  box.hidden = !text;
}

// --- header -----------------------------------------------------------------------------

function paintHeader() {
  setLang(getLang());
  $('app-title').textContent = t('app.title');
  $('app-subtitle').textContent = t('app.subtitle');
  document.querySelector('a.skip').textContent = t('skip');
  // A link to a page the role may not read (data-may: what it shows) is not offered.
  document.querySelectorAll('#nav a').forEach((a) => {
    a.textContent = t(a.dataset.label);
    a.hidden = Boolean(a.dataset.may) && !may(a.dataset.may);
  });
  const toggle = $('lang-toggle');
  toggle.textContent = t('lang.switch');
  toggle.setAttribute('lang', getLang() === 'en' ? 'zh-CN' : 'en');
  toggle.setAttribute('aria-label', t('lang.switchLabel'));
  $('token-label').textContent = t('token.label');
  $('token-input').placeholder = t('token.placeholder');
  $('token-login').textContent = t('token.login');
  $('token-logout').textContent = t('token.logout');
  const signedIn = state.role !== 'public';
  $('token-form').hidden = signedIn;
  $('whoami').hidden = !signedIn;
  $('purpose-label').textContent = t('purpose.label');
  const select = $('purpose-select');
  select.replaceChildren(h('option', { value: '' }, t('purpose.choose')),
    ...PURPOSES.map((p) => h('option', { value: p }, t(`purpose.${p}`))));
  select.value = getPurpose();
  select.classList.toggle('unset', !getPurpose());
  const badge = $('role-badge');
  badge.textContent = t('role.current', t(`role.${state.role}`), state.name);
  badge.dataset.role = state.role;
  document.body.dataset.role = state.role;
}

async function whoami(token) {
  const me = await get('/v1/whoami', { token });
  state.role = ROLES.includes(me.role) ? me.role : 'public';
  state.name = me.name || '';
  state.may = new Set(Array.isArray(me.may) ? me.may : PUBLIC_MAY);
}

async function signIn(event) {
  event.preventDefault();
  const input = $('token-input');
  const token = input.value.trim();
  if (!token) return;
  try {
    await whoami(token);
    setToken(token);
    input.value = '';
    notice('');
  } catch (err) {
    state.role = 'public';
    state.name = '';
    state.may = new Set(PUBLIC_MAY);
    notice(err instanceof ApiError && err.status === 401 ? t('token.invalid') : errorBox(err).textContent);
  }
  paintHeader();
  render();
}

function signOut() {
  setToken('');
  setPurpose('');
  state.role = 'public';
  state.name = '';
  state.may = new Set(PUBLIC_MAY);
  notice('');
  paintHeader();
  render();
}

// --- routing ------------------------------------------------------------------------------

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const [page, ...rest] = path.split('/');
  return {
    page: page || 'search',
    arg: rest.length ? decodeURIComponent(rest.join('/')) : '',
    params: new URLSearchParams(query),
  };
}

async function render() {
  current?.controller.abort();
  const route = parseHash();
  const controller = new AbortController();
  const mine = { controller };
  current = mine;

  document.querySelectorAll('#nav a').forEach((a) => {
    if (a.dataset.page === route.page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });

  const main = $('main');
  const view = h('div', { class: `page page-${route.page}` });
  if (!PAGES.includes(route.page)) {
    view.append(errorBox({ status: 404, message: t('err.page') }));
    main.replaceChildren(view);
    main.setAttribute('aria-busy', 'false');
    view.dataset.ready = 'true';
    return;
  }
  const ctx = {
    ...route,
    role: state.role,
    may,
    mayFile,
    signal: controller.signal,
    go: (hash) => { location.hash = hash; },
    isCurrent: () => current === mine,
  };
  main.setAttribute('aria-busy', 'true');
  try {
    const page = await import(`./pages/${route.page}.js`);
    if (current !== mine) return;
    main.replaceChildren(view);
    await page.render(view, ctx);
  } catch (err) {
    if (err.name === 'AbortError' || current !== mine) return;
    view.querySelectorAll('.loading').forEach((p) => p.remove());  // the error replaces "加载中…"
    view.append(errorBox(err));
    main.replaceChildren(view);
  } finally {
    if (current === mine) {
      main.setAttribute('aria-busy', 'false');
      view.dataset.ready = 'true';
    }
  }
}

// After a navigation (not a redraw in place), move keyboard focus to the new page's heading.
function focusPage() {
  const target = document.querySelector('#main [autofocus]') || document.querySelector('#main h1');
  if (target) {
    if (!target.hasAttribute('tabindex') && target.tagName === 'H1') target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: false });
  }
}

// A redraw of the same page from one of its own controls (a date box) keeps focus there.
async function navigate() {
  const active = document.activeElement;
  const keep = active && active.id && document.getElementById('main').contains(active) ? active.id : '';
  await render();
  const again = keep && document.getElementById(keep);
  if (again && again.tagName === 'INPUT') again.focus();
  else focusPage();
}

async function boot() {
  paintHeader();
  $('lang-toggle').addEventListener('click', () => {
    setLang(getLang() === 'en' ? 'zh' : 'en');
    paintHeader();
    render();
  });
  $('token-form').addEventListener('submit', signIn);
  $('token-logout').addEventListener('click', signOut);
  $('purpose-select').addEventListener('change', (e) => {
    setPurpose(e.target.value);
    paintHeader();
    render();
  });
  window.addEventListener('hashchange', navigate);

  const token = getToken();
  try {
    await whoami(token || undefined);
  } catch (err) {
    if (token && err instanceof ApiError && err.status === 401) {
      setToken('');
      notice(t('token.invalid'));
    }
    state.role = 'public';
    state.name = '';
    state.may = new Set(PUBLIC_MAY);
  }
  paintHeader();
  await navigate();
}

boot();
