// Sign-in page.
import { h } from '../dom.js';
import { post } from '../api.js';
import { setSession, home } from '../session.js';
import { navigate } from '../router.js';
import { field } from '../ui.js';

export function loginView(main, ctx) {
  const email = h('input', { type: 'email', name: 'email', required: true,
    autocomplete: 'username', autofocus: true });
  const password = h('input', { type: 'password', name: 'password',
    required: true, autocomplete: 'current-password' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' },
    'Sign in');

  async function onSubmit(e) {
    e.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const s = await post('/session', {
        email: email.value.trim(), password: password.value,
      });
      setSession(s);
      const next = ctx.query.get('next');
      const safe = next && next.startsWith('/admin/') &&
        !next.startsWith('/admin/login') ? next : home();
      navigate(safe, { replace: true });
    } catch (err) {
      error.textContent = err.status === 429
        ? 'Too many failed attempts. Wait a minute and try again.'
        : err.message;
      submit.disabled = false;
      submit.textContent = 'Sign in';
      password.select();
    }
  }

  main.append(h('div', { class: 'login' },
    h('div', { class: 'login-card' },
      h('div', { class: 'login-brand' },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'H'),
        'Herald'),
      h('h1', { tabindex: '-1' }, 'Sign in'),
      h('p', { class: 'subtitle' },
        'Release notes, engagement and leads for your team.'),
      h('form', { onsubmit: onSubmit, novalidate: false },
        field('Email', email),
        field('Password', password),
        error,
        submit))));
  email.focus();
}
