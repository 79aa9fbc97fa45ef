// The frame around every page: sidebar with navigation by role, the
// signed-in user, and the main region.
import { h, clear } from './dom.js';
import { del } from './api.js';
import { me, can, signedOut } from './session.js';
import { navigate } from './router.js';
import { toast } from './ui.js';

const NAV = [
  { section: 'Content', items: [
    { href: '/admin/releases', label: 'Releases', icon: '✎', role: 'sales' },
  ] },
  { section: 'Sales', items: [
    { href: '/admin/leads', label: 'Leads', icon: '★', role: 'sales' },
    { href: '/admin/alerts', label: 'Alert log', icon: '⚑', role: 'sales' },
    { href: '/admin/inbox', label: 'Inbox', icon: '✉', role: 'sales' },
  ] },
  { section: 'Settings', items: [
    { href: '/admin/scoring', label: 'Scoring model', icon: '∑',
      role: 'owner' },
    { href: '/admin/destinations', label: 'Destinations', icon: '➜',
      role: 'owner' },
    { href: '/admin/settings', label: 'Workspace', icon: '⚙',
      role: 'owner' },
  ] },
];

let frame = null;

function nav(path) {
  return h('nav', { class: 'nav', 'aria-label': 'Main' },
    NAV.map((group) => {
      const items = group.items.filter((i) => can(i.role));
      if (items.length === 0) return null;
      return h('div', { class: 'nav-group' },
        h('div', { class: 'nav-section' }, group.section),
        h('ul', {}, items.map((i) => {
          const active = path === i.href || path.startsWith(`${i.href}/`);
          return h('li', {}, h('a', {
            href: i.href, class: active ? 'active' : null,
            'aria-current': active ? 'page' : null,
          }, h('span', { class: 'nav-icon', 'aria-hidden': 'true' }, i.icon),
          i.label));
        })));
    }));
}

async function signOut() {
  try {
    await del('/session');
  } catch (err) {
    toast(err.message, 'error');
  }
  signedOut();
  navigate('/admin/login', { replace: true });
}

function sidebar(path) {
  return h('aside', { class: 'sidebar' },
    h('a', { class: 'brand', href: '/admin' },
      h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'H'),
      h('span', {}, 'Herald'),
      me.workspace ? h('span', { class: 'brand-ws' }, me.workspace.name)
        : null),
    nav(path),
    h('div', { class: 'me' },
      h('div', { class: 'me-email' }, me.user.email || 'admin token'),
      h('div', { class: 'me-role' }, `Role: ${me.user.role}`),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small',
        onclick: signOut }, 'Sign out')));
}

// Returns the element a page renders into, or null after sending a
// signed-out visitor to the sign-in page.  Pages with options.bare
// (sign-in) get the whole window.
export function shell(path, options) {
  const app = document.getElementById('app');
  app.classList.remove('boot');
  app.removeAttribute('aria-busy');
  if (options.bare) {
    frame = null;
    clear(app);
    const main = h('main', { id: 'main', class: 'bare', tabindex: '-1' });
    app.append(main);
    return main;
  }
  if (!me.user) {
    const next = encodeURIComponent(location.pathname + location.search);
    history.replaceState(null, '', `/admin/login?next=${next}`);
    return null;
  }
  if (!frame) {
    clear(app);
    frame = {
      side: h('div', { class: 'side-slot' }),
      main: h('main', { id: 'main', tabindex: '-1' }),
    };
    app.append(h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
      h('div', { class: 'shell' }, frame.side, frame.main));
  }
  clear(frame.side).append(sidebar(path));
  return frame.main;
}
