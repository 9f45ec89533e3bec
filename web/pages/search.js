// Search by name, USCC or USCC prefix: results as you type (debounced), ↑↓ to choose,
// Enter to open; a full, valid-looking USCC opens the subject directly.
import { get, errorBox } from '../api.js';
import { h, enc, divisionName, division } from '../dom.js';
import { t } from '../i18n.js';

const DEBOUNCE_MS = 200;
const USCC = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

export function render(view, ctx) {
  document.title = `${t('search.title')} · creditlog`;
  const input = h('input', {
    id: 'search-input', type: 'search', value: ctx.params.get('q') || '', autocomplete: 'off',
    spellcheck: 'false', placeholder: t('search.placeholder'), role: 'combobox',
    'aria-autocomplete': 'list', 'aria-controls': 'search-results', 'aria-expanded': 'false',
    autofocus: true,
  });
  const status = h('p', { class: 'muted', id: 'search-status', 'aria-live': 'polite' }, t('search.hint'));
  const list = h('ul', { id: 'search-results', role: 'listbox', class: 'results', 'aria-label': t('search.title') });

  let results = [];
  let active = -1;
  let timer = 0;
  let inflight = null;

  const open = (r) => ctx.go(`#/subject/${enc(r.subject)}`);

  function highlight(i) {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', `result-${i}`);
      list.children[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function show(query, found) {
    results = found;
    list.replaceChildren(...found.map((r, i) => h('li', {
      id: `result-${i}`, role: 'option', 'aria-selected': 'false',
      onclick: () => open(r), onmousemove: () => { if (active !== i) highlight(i); },
    },
    h('span', { class: 'hit-name' },
      r.grade ? h('span', { class: `grade-chip grade-${r.grade}`, title: t(`grade.${r.grade}`) }, r.grade) : null,
      h('a', { href: `#/subject/${enc(r.subject)}`, tabindex: '-1' }, r.name),
      ...(r.lists || []).map((m) => h('span', { class: 'list-badge' }, t(`list.${m.list}`)))),
    h('span', { class: 'mono' }, r.subject),
    h('span', { class: 'muted' }, divisionName(division(r.subject))),
    h('span', { class: 'muted' }, t('search.events', r.events)))));
    input.setAttribute('aria-expanded', String(found.length > 0));
    status.textContent = found.length ? t('search.count', found.length) : t('search.none');
    highlight(found.length ? 0 : -1);
    view.dataset.query = query;
  }

  async function run(raw) {
    const query = raw.trim();
    history.replaceState(null, '', query ? `#/search?q=${enc(query)}` : '#/search');
    inflight?.abort();
    if (!query) {
      list.replaceChildren();
      results = [];
      input.setAttribute('aria-expanded', 'false');
      status.textContent = t('search.hint');
      return;
    }
    const controller = new AbortController();
    inflight = controller;
    ctx.signal.addEventListener('abort', () => controller.abort());
    try {
      const data = await get(`/v1/search?q=${enc(query)}`, { signal: controller.signal });
      if (inflight === controller) show(query, data.results);
    } catch (err) {
      if (err.name === 'AbortError') return;
      list.replaceChildren();
      status.replaceChildren(errorBox(err));
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(input.value), DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && results.length) {
      e.preventDefault();
      highlight(Math.min(active + 1, results.length - 1));
    } else if (e.key === 'ArrowUp' && results.length) {
      e.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (e.key === 'Escape') {
      input.value = '';
      run('');
    }
  });

  const form = h('form', {
    class: 'search', role: 'search',
    onsubmit: (e) => {
      e.preventDefault();
      clearTimeout(timer);
      const query = input.value.trim().toUpperCase();
      const pending = view.dataset.query !== input.value.trim();
      if (USCC.test(query) && (pending || !results.length)) ctx.go(`#/subject/${enc(query)}`);
      else if (!pending && active >= 0 && results[active]) open(results[active]);
      else run(input.value);
    },
  },
  h('label', { for: 'search-input' }, t('search.label')),
  h('div', { class: 'row' }, input, h('button', { type: 'submit' }, t('search.button'))));

  view.append(h('h1', null, t('search.title')), form, status, list);
  if (input.value) run(input.value);
}
