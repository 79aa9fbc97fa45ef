// Small DOM helpers: element building without innerHTML, and formatting.

// h('a', {href: '/x', class: 'btn', onclick: fn}, 'text', child, [more])
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key === 'value' || key === 'checked' || key === 'selected') {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

const numberFmt = new Intl.NumberFormat('en-US');

export function num(n) {
  if (n == null || Number.isNaN(Number(n))) return '–';
  return numberFmt.format(Math.round(Number(n) * 10) / 10);
}

export function pct(part, whole) {
  if (!whole) return '–';
  return `${Math.round((100 * part) / whole)}%`;
}

// 194000 -> "3m 14s"
export function duration(ms) {
  if (ms == null || Number.isNaN(Number(ms))) return '–';
  const s = Math.round(Number(ms) / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

const dateFmt = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric', month: 'short', year: 'numeric',
  hour: '2-digit', minute: '2-digit',
});
const dayFmt = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric', month: 'short', year: 'numeric',
});

export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dateFmt.format(d);
}

export function day(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dayFmt.format(d);
}

export function ago(iso) {
  if (!iso) return '–';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return String(iso);
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 0) return `in ${duration(-s * 1000)}`;
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

// First present field among names, for APIs whose names may vary.
export function pick(obj, ...names) {
  if (obj == null) return undefined;
  for (const n of names) {
    if (obj[n] !== undefined && obj[n] !== null) return obj[n];
  }
  return undefined;
}

export function list(v) {
  if (Array.isArray(v)) return v;
  if (v == null || v === '') return [];
  return [v];
}

// {a: 1, b: 2} or [{key, count}] -> [[label, value]] sorted by value.
export function pairs(v, keyNames = ['url', 'channel', 'emoji', 'key',
  'name', 'label'], valueNames = ['count', 'n', 'value', 'total']) {
  let out = [];
  if (Array.isArray(v)) {
    out = v.map((x) => [String(pick(x, ...keyNames) ?? '?'),
      Number(pick(x, ...valueNames) ?? 0)]);
  } else if (v && typeof v === 'object') {
    out = Object.entries(v).map(([k, n]) => [k, Number(
      typeof n === 'object' ? pick(n, ...valueNames) ?? 0 : n)]);
  }
  return out.sort((a, b) => b[1] - a[1]);
}
