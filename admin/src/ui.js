// Shared pieces of the pages: headers, cards, badges, tables, states,
// notices and toasts.
import { h, clear } from './dom.js';

export function pageHeader(title, { subtitle, actions, back } = {}) {
  return h('header', { class: 'page-header' },
    back ? h('a', { class: 'back', href: back.href }, `← ${back.label}`) : null,
    h('div', { class: 'page-header-row' },
      h('div', {},
        h('h1', { tabindex: '-1' }, title),
        subtitle ? h('p', { class: 'subtitle' }, subtitle) : null),
      actions ? h('div', { class: 'actions' }, actions) : null));
}

export function card(title, body, { id, wide, extra } = {}) {
  return h('section', {
    class: `card${wide ? ' wide' : ''}`, id,
    'aria-labelledby': id ? `${id}-title` : null,
  },
  title ? h('div', { class: 'card-head' },
    h('h2', { id: id ? `${id}-title` : null }, title), extra || null) : null,
  body);
}

export function kpi(label, value, hint) {
  return h('div', { class: 'kpi' },
    h('div', { class: 'kpi-value' }, value),
    h('div', { class: 'kpi-label' }, label),
    hint ? h('div', { class: 'kpi-hint' }, hint) : null);
}

const TONES = {
  published: 'green', delivered: 'green', active: 'green', qualified: 'green',
  scheduled: 'blue', sending: 'blue', queued: 'blue', owner: 'blue',
  draft: 'grey', editor: 'grey', sales: 'grey', test: 'grey',
  near: 'amber', 'near-qualified': 'amber', failed: 'amber',
  failing: 'red', dead: 'red',
};

export function badge(text, tone) {
  const t = tone || TONES[String(text).toLowerCase()] || 'grey';
  return h('span', { class: `badge badge-${t}` }, String(text));
}

export function loading(text = 'Loading…') {
  return h('div', { class: 'state loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function empty(title, text, action) {
  return h('div', { class: 'state empty' },
    h('div', { class: 'empty-icon', 'aria-hidden': 'true' }, '◌'),
    h('h3', {}, title),
    text ? h('p', {}, text) : null,
    action || null);
}

export function errorState(err, retry) {
  const status = err && err.status;
  let title = 'Something went wrong';
  if (status === 403) title = 'Your role cannot see this';
  else if (status === 404) title = 'Not found';
  else if (status === 0) title = 'Herald cannot be reached';
  return h('div', { class: 'state error', role: 'alert' },
    h('h3', {}, title),
    h('p', {}, (err && err.message) || String(err)),
    retry ? h('button', { class: 'btn', type: 'button', onclick: retry },
      'Try again') : null);
}

export function notice(text, tone = 'info') {
  return h('div', { class: `notice notice-${tone}`,
    role: tone === 'error' ? 'alert' : 'status' }, text);
}

// A table.  columns: [{label, key?, render(row), numeric?, sort?}].
// sort: {key, dir, onSort(key)} makes headers into sort buttons.
export function table(columns, rows, { caption, sort, rowLabel } = {}) {
  const head = h('tr', {}, columns.map((c) => {
    const active = sort && c.sort && sort.key === c.sort;
    const th = h('th', {
      scope: 'col', class: c.numeric ? 'num' : null,
      'aria-sort': active ? (sort.dir === 'asc' ? 'ascending' : 'descending')
        : null,
    });
    if (sort && c.sort) {
      th.append(h('button', {
        type: 'button', class: 'sort', onclick: () => sort.onSort(c.sort),
      }, c.label, h('span', { 'aria-hidden': 'true', class: 'sort-mark' },
        active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ' ↕')));
    } else {
      th.append(c.label);
    }
    return th;
  }));
  const body = h('tbody', {}, rows.map((row) => h('tr', {
    'aria-label': rowLabel ? rowLabel(row) : null,
  }, columns.map((c) => h('td', { class: c.numeric ? 'num' : null },
    c.render ? c.render(row) : row[c.key] ?? '–')))));
  return h('div', { class: 'table-wrap' },
    h('table', {},
      caption ? h('caption', { class: 'sr-only' }, caption) : null,
      h('thead', {}, head), body));
}

export function field(label, input, { hint, id, error } = {}) {
  const fid = id || input.id || `f-${Math.random().toString(36).slice(2)}`;
  input.id = fid;
  const hintId = hint ? `${fid}-hint` : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field' },
    h('label', { for: fid }, label),
    input,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    error ? h('p', { class: 'field-error' }, error) : null);
}

let toastRegion = null;

export function toast(text, tone = 'ok') {
  if (!toastRegion) {
    toastRegion = h('div', { class: 'toasts', role: 'status',
      'aria-live': 'polite' });
    document.body.append(toastRegion);
  }
  const t = h('div', { class: `toast toast-${tone}` }, text);
  toastRegion.append(t);
  setTimeout(() => t.remove(), 4000);
}

// Runs fn(), showing a loading state in el and an error state on failure.
export async function loadInto(el, fn) {
  clear(el).append(loading());
  try {
    const node = await fn();
    clear(el).append(node);
  } catch (err) {
    clear(el).append(errorState(err, () => loadInto(el, fn)));
  }
}

export function copyButton(text, label = 'Copy') {
  const btn = h('button', { type: 'button', class: 'btn btn-small' }, label);
  btn.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      toast('Copied');
    } catch {
      toast('Copy failed; select the text instead', 'error');
    }
  });
  return btn;
}
