// The widget's interface: a bell and a dialog panel of release cards, all
// inside an open shadow root on a <herald-widget> host element.

import css from './styles.css';
import { on } from './util.js';

const EMOJIS = ['\u{1F389}', '\u{1F44D}', '\u2764\uFE0F', '\u{1F680}'];
const BELL = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 22a2.5' +
  ' 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6v-5a7 7 0 0 0-5.5-6.84V3.5' +
  'a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"/></svg>';
const FOCUSABLE = 'a[href],button:not([disabled]),[tabindex="0"]';
const enc = encodeURIComponent;

/** Create an element: props are attributes, `text`, or on* listeners. */
function h(tag, props, kids) {
  const e = document.createElement(tag);
  for (const k in props) {
    const v = props[k];
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v != null && v !== false) e.setAttribute(k, v);
  }
  for (const c of kids || []) if (c) e.append(c);
  return e;
}

/* The server sends sanitised html; this second pass removes anything
 * executable anyway and makes links open in a new tab. */
function fragment(html) {
  const t = document.createElement('template');
  t.innerHTML = html || '';
  const f = t.content;
  f.querySelectorAll('script,style,iframe,object,embed,form,link,meta,base')
    .forEach((n) => n.remove());
  for (const n of f.querySelectorAll('*')) {
    for (const a of [...n.attributes]) {
      const v = a.value.replace(/[\s\0-\x1f]/g, '');
      const scheme = /^([^/?#]*):/.exec(v);
      if (/^(on|srcset|formaction)/i.test(a.name) ||
          (/^(href|src|xlink:href)$/i.test(a.name) && scheme &&
           !/^(https?|mailto)$/i.test(scheme[1]))) n.removeAttribute(a.name);
    }
    if (n.tagName === 'A') {
      n.target = '_blank';
      n.rel = 'noopener noreferrer';
    }
  }
  return f;
}

/**
 * o: { t (strings), locale, theme, position, selector, toggle(),
 *      close(returnFocus), markAll(), react(release, emoji, on),
 *      share(release, channel), link(release, url), cta(release, feature),
 *      active() }.
 */
export function createUi(o) {
  const t = o.t;
  const host = document.createElement('herald-widget');
  const root = host.attachShadow({ mode: 'open' });
  const dates = new Intl.DateTimeFormat(o.locale,
    { year: 'numeric', month: 'short', day: 'numeric' });
  const floating = !o.selector;
  const bell = h('button', {
    type: 'button', class: 'b' + (floating ? ' f' : '') +
      (o.position === 'left' ? ' L' : ''),
    'aria-haspopup': 'dialog', 'aria-expanded': 'false',
    'aria-controls': 'p', onclick: () => o.toggle()
  });
  const badge = h('span', { class: 'n', 'aria-hidden': 'true', hidden: '' });
  const mark = h('button', {
    type: 'button', class: 'm', text: t.markAll, onclick: () => o.markAll()
  });
  const list = h('div', { class: 'l', onscroll: () => o.active() });
  const status = h('div', { class: 'v', role: 'status' });
  const panel = h('div', {
    id: 'p', class: 'p', role: 'dialog', 'aria-modal': 'true',
    'aria-labelledby': 'ht', tabindex: '-1', hidden: '',
    onkeydown: keys
  }, [
    h('div', { class: 'h' }, [
      h('h2', { id: 'ht', text: t.title }), mark,
      h('button', {
        type: 'button', class: 'x', 'aria-label': t.close, text: '\u00d7',
        onclick: () => o.close(true)
      })
    ]),
    list, status
  ]);
  const cards = new Map();
  const offs = [];

  bell.innerHTML = BELL;
  bell.append(badge);
  host.setAttribute('data-theme', o.theme);
  root.append(h('style', { text: css }), bell, panel);

  function keys(e) {
    if (e.key === 'Escape') {
      e.stopPropagation();
      o.close(true);
      return;
    }
    if (e.key !== 'Tab') return;
    const f = [...panel.querySelectorAll(FOCUSABLE)]
      .filter((x) => x.getClientRects().length);
    const a = root.activeElement;
    if (!f.length) return e.preventDefault();
    if (e.shiftKey && (a === f[0] || !f.includes(a))) {
      e.preventDefault();
      f[f.length - 1].focus();
    } else if (!e.shiftKey && a === f[f.length - 1]) {
      e.preventDefault();
      f[0].focus();
    }
  }

  /* Fixed panel next to the bell, above it when the bell is low. */
  function place() {
    const r = bell.getBoundingClientRect();
    const W = innerWidth;
    const H = innerHeight;
    const w = Math.min(360, W - 16);
    const s = panel.style;
    const x = o.position === 'left' ? r.left : r.right - w;
    const low = r.top > H / 2;
    s.width = w + 'px';
    s.left = Math.max(8, Math.min(x, W - w - 8)) + 'px';
    s.top = low ? 'auto' : r.bottom + 10 + 'px';
    s.bottom = low ? H - r.top + 12 + 'px' : 'auto';
    s.maxHeight = Math.min(620, (low ? r.top : H - r.bottom) - 24) + 'px';
  }

  function labels(r) {
    const row = h('div', { class: 't' });
    for (const l of r.labels || []) {
      row.append(h('span', { text: t.labels[l] || l }));
    }
    const d = new Date(r.published_at);
    if (!isNaN(d)) {
      row.append(h('time',
        { datetime: r.published_at, text: dates.format(d) }));
    }
    return row;
  }

  function reactions(r, row) {
    r.reactions = r.reactions || {};
    r.my_reactions = r.my_reactions || [];
    const all = new Set(EMOJIS.concat(Object.keys(r.reactions)));
    for (const k of all) {
      const b = h('button', { type: 'button', class: 'e' });
      const paint = () => {
        const n = r.reactions[k] || 0;
        b.textContent = k + (n ? ' ' + n : '');
        b.setAttribute('aria-pressed', r.my_reactions.includes(k));
      };
      b.onclick = () => {
        const mine = !r.my_reactions.includes(k);
        r.my_reactions = mine ? r.my_reactions.concat(k)
          : r.my_reactions.filter((x) => x !== k);
        r.reactions[k] = Math.max(0, (r.reactions[k] || 0) + (mine ? 1 : -1));
        paint();
        o.react(r, k, mine);
      };
      paint();
      row.append(b);
    }
  }

  function copy(r, b) {
    const done = () => {
      status.textContent = t.copied;
      b.textContent = t.copied;
      setTimeout(() => {
        b.textContent = t.copy;
        status.textContent = '';
      }, 2000);
    };
    const fallback = () => {
      const ta = h('textarea', { class: 'v', readonly: '' });
      ta.value = r.url;
      root.append(ta);
      ta.select();
      try {
        document.execCommand('copy');
      } finally {
        ta.remove();
        b.focus();
      }
      done();
    };
    o.share(r, 'copy');
    const c = navigator.clipboard;
    if (c && c.writeText) c.writeText(r.url).then(done, fallback);
    else fallback();
  }

  function shares(r) {
    const u = enc(r.url);
    const ti = enc(r.title || '');
    const link = (channel, text, href) => h('a', {
      href, text, target: channel === 'email' ? null : '_blank',
      rel: 'noopener noreferrer', onclick: () => o.share(r, channel),
      onauxclick: (e) => e.button === 1 && o.share(r, channel)
    });
    const b = h('button', { type: 'button', text: t.copy });
    b.onclick = () => copy(r, b);
    return h('div', { class: 's', role: 'group', 'aria-label': t.share }, [
      b,
      link('linkedin', 'LinkedIn',
        'https://www.linkedin.com/sharing/share-offsite/?url=' + u),
      link('x', 'X', 'https://x.com/intent/tweet?url=' + u + '&text=' + ti),
      link('email', t.email, 'mailto:?subject=' + ti + '&body=' + u)
    ]);
  }

  function card(r, i) {
    const body = h('div', { class: 'r' });
    const clicked = (e) => {
      const a = e.target.closest && e.target.closest('a[href]');
      if (a && (e.type === 'click' || e.button === 1)) o.link(r, a.href);
    };
    body.append(fragment(r.html));
    body.addEventListener('click', clicked);
    body.addEventListener('auxclick', clicked);
    const row = h('div', { class: 'a' });
    for (const f of r.features || []) {
      row.append(h('button', {
        type: 'button', class: 'y', onclick: () => o.cta(r, f),
        text: r.features.length > 1 ? t.tryIt + ': ' + f : t.tryIt
      }));
    }
    reactions(r, row);
    if (r.url) row.append(shares(r));
    const el = h('article', {
      class: r.read ? '' : 'u', 'aria-labelledby': 'r' + i
    }, [labels(r), h('h3', { id: 'r' + i, text: r.title }), body, row]);
    cards.set(r.id, el);
    return el;
  }

  /** Show a message instead of cards. */
  function message(text) {
    list.replaceChildren(h('p', { class: 'z', text }));
  }

  /** Replace the cards; returns [element, releaseId] pairs. */
  function render(releases) {
    cards.clear();
    if (!releases.length) message(t.empty);
    else list.replaceChildren(...releases.map(card));
    return [...cards].map(([id, el]) => [el, id]);
  }

  function unread(n) {
    badge.hidden = !n;
    badge.textContent = n > 99 ? '99+' : n;
    bell.setAttribute('aria-label', n ? t.title + ', ' + t.unread(n)
      : t.title);
    mark.disabled = !n;
  }

  function read(id) {
    const el = cards.get(id);
    if (el) el.classList.remove('u');
  }

  function show() {
    panel.hidden = false;
    bell.setAttribute('aria-expanded', 'true');
    place();
    panel.focus();
  }

  function hide(returnFocus) {
    panel.hidden = true;
    bell.setAttribute('aria-expanded', 'false');
    if (returnFocus) bell.focus();
  }

  const isOpen = () => !panel.hidden;

  /** Attach the host where it belongs; true once it is in the page. */
  function mount() {
    if (host.isConnected) return true;
    const target = o.selector ? document.querySelector(o.selector)
      : document.body;
    if (target) target.append(host);
    return !!target;
  }

  offs.push(on(window, 'resize', () => isOpen() && place()),
    on(document, 'pointerdown', (e) => {
      if (isOpen() && !e.composedPath().includes(host)) o.close(false);
    }, true));

  function destroy() {
    offs.forEach((f) => f());
    host.remove();
  }

  unread(0);
  return {
    host, list, render, message, unread, read, show, hide, isOpen, mount,
    destroy, readAll: () => cards.forEach((el) => el.classList.remove('u'))
  };
}
