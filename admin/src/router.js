// History-API router: routes are [regex, view, options]; links to
// /admin/... are handled in the page without a reload.
import { clear } from './dom.js';
import { errorState, empty } from './ui.js';

const routes = [];
let current = 0;
let navigated = false; // after the first page, focus follows navigation
let renderShell = null;

export function route(pattern, view, options = {}) {
  routes.push({ pattern, view, options });
}

export function setShell(fn) {
  renderShell = fn;
}

export function navigate(path, { replace = false } = {}) {
  navigated = true;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  return render();
}

function find(path) {
  for (const r of routes) {
    const m = path.match(r.pattern);
    if (m) return { ...r, params: m.slice(1).map(decodeURIComponent) };
  }
  return null;
}

// Renders the current location.  A newer navigation wins over a slower
// older one: views get isCurrent() to check before writing.
export async function render() {
  const id = ++current;
  const path = location.pathname.replace(/\/+$/, '') || '/admin';
  const match = find(path);
  const main = renderShell(path, match ? match.options : {});
  if (!main) return render();
  clear(main);
  const ctx = {
    params: match ? match.params : [],
    query: new URLSearchParams(location.search),
    isCurrent: () => id === current,
  };
  try {
    if (!match) {
      main.append(empty('Page not found',
        `Nothing lives at ${path}. Use the menu to find your way.`));
    } else {
      await match.view(main, ctx);
    }
  } catch (err) {
    if (id === current) {
      clear(main).append(errorState(err));
    }
  }
  if (id === current && navigated) {
    const h1 = main.querySelector('h1');
    if (h1 && document.activeElement === document.body) {
      h1.focus({ preventScroll: true });
    }
  }
}

export function start() {
  window.addEventListener('popstate', () => render());
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey ||
        e.shiftKey || e.altKey) return;
    const a = e.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download') ||
        a.getAttribute('href').startsWith('#')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith('/admin')) {
      return;
    }
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
  return render();
}
