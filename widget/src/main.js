// Entry point: finds the embedding <script>, keeps one widget per page in
// window.__heraldWidget and runs the herald(...) command queue.
//
//   herald('init', {key, base, locale, theme, position, selector})
//   herald('identify', {token})    herald('identify', null) to forget
//   herald('open') herald('close') herald('destroy')
//   herald('on', 'unread', fn(count))  herald('on', 'cta', fn(feature, id))
//
// window.heraldConfig = {flushMs, idleMs, reportMs}, read at start, tunes
// the transport flush interval, the idle cut-off and the read-time report
// interval (defaults 3000, 30000, 15000 ms).

import { createApi } from './api.js';
import { createEngage } from './engage.js';
import { createUi } from './ui.js';
import { pickLocale, strings } from './i18n.js';
import { on } from './util.js';

const W = window;
const STALE_MS = 300000;

function fromScript(s) {
  if (!s || !s.dataset.key) s = document.querySelector('script[data-key]');
  if (!s) return {};
  const d = s.dataset;
  return {
    key: d.key, base: s.src && new URL(s.src, location.href).origin,
    locale: d.locale, theme: d.theme, position: d.position,
    selector: d.selector
  };
}

function call(f, ...args) {
  try {
    f(...args);
  } catch (e) {
    setTimeout(() => {
      throw e;
    });
  }
}

/* One widget: UI, transport and capture for one public key. */
function widget(cfg, tune, gone) {
  const locale = pickLocale(cfg.locale);
  const subs = { unread: [], cta: [] };
  let token = null;
  let releases = [];
  let unread = null;
  let loadedAt = 0;
  let seq = 0;
  let pending = 0;
  let dead = false;

  const api = createApi({
    base: cfg.base, pk: cfg.key, flushMs: tune.flushMs,
    token: () => token, unauthorized: () => (token = null)
  });
  const eng = createEngage({
    idleMs: tune.idleMs, reportMs: tune.reportMs, track: api.track, viewed
  });
  const ui = createUi({
    t: strings(locale), locale,
    theme: /^(light|dark|auto)$/.test(cfg.theme) ? cfg.theme : 'auto',
    position: cfg.position === 'left' ? 'left' : 'right',
    selector: cfg.selector,
    toggle: () => (ui.isOpen() ? close(true) : open()),
    close, active: eng.active,
    markAll() {
      api.track('releases_marked_read', {});
      releases.forEach((r) => (r.read = true));
      ui.readAll();
      count(0);
    },
    react: (r, emoji, v) =>
      api.track('reaction', { release_id: r.id, emoji, on: v }),
    share: (r, channel) =>
      api.track('release_shared', { release_id: r.id, channel }),
    link: (r, url) => api.track('link_clicked', { release_id: r.id, url }),
    cta(r, feature) {
      api.track('feature_cta', { release_id: r.id, feature });
      subs.cta.forEach((f) => call(f, feature, r.id));
    }
  });

  /* A viewed release counts as read; the server does the same. */
  function viewed(id) {
    const r = releases.find((x) => x.id === id);
    if (!r || r.read) return;
    r.read = true;
    ui.read(id);
    count(unread - 1);
  }

  function count(n) {
    n = Math.max(0, n | 0);
    if (n === unread) return;
    unread = n;
    ui.unread(n);
    subs.unread.forEach((f) => call(f, n));
  }

  async function refresh() {
    const n = ++seq;
    if (!releases.length) ui.message(strings(locale).loading);
    try {
      const d = await api.releases();
      if (n !== seq || dead) return;
      releases = Array.isArray(d.releases) ? d.releases : [];
      loadedAt = Date.now();
      eng.observe(ui.render(releases), ui.list);
      count(typeof d.unread === 'number' ? d.unread
        : releases.filter((r) => !r.read).length);
    } catch (e) {
      if (n === seq && !releases.length) {
        ui.message(strings(locale).error);
      }
    }
  }

  function schedule() {
    clearTimeout(pending);
    pending = setTimeout(refresh);
  }

  function open() {
    if (ui.isOpen()) return;
    ui.show();
    eng.setOpen(true);
    api.track('widget_opened', {});
    if (loadedAt && Date.now() - loadedAt > STALE_MS) schedule();
  }

  function close(returnFocus) {
    if (!ui.isOpen()) return;
    ui.hide(returnFocus);
    eng.setOpen(false);
  }

  const mo = new MutationObserver(() => ui.mount());
  const offs = [
    on(document, 'visibilitychange', () => {
      eng.visibility();
      if (document.visibilityState === 'hidden') api.beacon();
    }),
    on(W, 'pagehide', () => {
      eng.visibility(true);
      api.beacon();
    })
  ];

  mo.observe(document.documentElement, { childList: true, subtree: true });
  ui.mount();
  schedule();

  return {
    identify(p) {
      token = (p && p.token) || null;
      schedule();
    },
    open,
    close: () => close(true),
    on(name, fn) {
      if (!subs[name] || typeof fn !== 'function') return;
      subs[name].push(fn);
      if (name === 'unread' && unread !== null) call(fn, unread);
    },
    destroy() {
      clearTimeout(pending);
      mo.disconnect();
      offs.forEach((f) => f());
      eng.destroy();
      api.stop();
      ui.destroy();
      dead = true;
      gone();
    }
  };
}

/* Runs once per page; a second copy of the script only re-inits. */
function boot(script) {
  const c = W.heraldConfig || {};
  const tune = {
    flushMs: +c.flushMs || 3000, idleMs: +c.idleMs || 30000,
    reportMs: +c.reportMs || 15000
  };
  const early = (W.herald && W.herald.q) || [];
  const waiting = [];
  let w = null;

  function run(args) {
    const [name, arg, fn] = args;
    if (name === 'init') {
      const cfg = Object.assign(fromScript(script), arg);
      if (!w && cfg.key && cfg.base) {
        w = widget(cfg, tune, () => (w = null));
        waiting.splice(0).forEach(run);
      }
    } else if (!w) {
      waiting.push(args);
    } else if (name === 'on') {
      w.on(arg, fn);
    } else if (typeof w[name] === 'function') {
      w[name](arg);
    }
  }

  W.__heraldWidget = { run: (...a) => run(a) };
  W.herald = function herald() {
    run([...arguments]);
  };
  run(['init', {}]);
  for (const a of early) run([...a]);
}

const me = document.currentScript;
if (W.__heraldWidget) W.__heraldWidget.run('init', fromScript(me));
else boot(me);
