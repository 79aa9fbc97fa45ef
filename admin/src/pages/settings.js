// Workspace settings: name, time zone, allowed widget origins, signed
// identities, identity secret rotation, and the keys.
import { h, when } from '../dom.js';
import { get, patch, post } from '../api.js';
import { pageHeader, card, field, toast, notice, copyButton } from '../ui.js';

function zones(current) {
  let all;
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    all = [];
  }
  if (!all.includes('UTC')) all.unshift('UTC');
  if (current && !all.includes(current)) all.unshift(current);
  return all;
}

function generalCard(ws) {
  const name = h('input', { name: 'name', value: ws.name, required: true });
  const tz = h('select', { name: 'timezone' }, zones(ws.timezone).map((z) =>
    h('option', { value: z, selected: z === ws.timezone }, z)));
  const origins = h('textarea', { name: 'allowed_origins', rows: 4,
    class: 'mono' });
  origins.value = (ws.allowed_origins || []).join('\n');
  const signed = h('input', { type: 'checkbox', name: 'signed',
    checked: !!ws.require_signed_identity });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'stack' },
    h('div', { class: 'grid-2' }, field('Workspace name', name),
      field('Time zone', tz, { hint: 'Days in charts and rules are counted '
        + 'in this zone.' })),
    field('Allowed origins', origins, { hint: 'One per line, e.g. '
      + 'https://app.example.com. The widget answers only these sites.' }),
    h('div', { class: 'check' }, signed, h('label', { for: 'f-signed' },
      'Require signed identities (JWT) from the widget')),
    error,
    h('div', {}, h('button', { type: 'submit', class: 'btn btn-primary' },
      'Save settings')));
  signed.id = 'f-signed';
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      await patch('/workspace', {
        name: name.value.trim(), timezone: tz.value,
        allowed_origins: origins.value.split(/\s+/).filter(Boolean),
        require_signed_identity: signed.checked,
      });
      toast('Settings saved');
    } catch (err) {
      error.textContent = err.message;
    }
  });
  return card('General', form, { id: 'general', wide: true });
}

function secretCard(ws) {
  const out = h('div', { 'aria-live': 'polite' });
  const prev = ws.previous_secret_valid_until;
  const btn = h('button', { type: 'button', class: 'btn' },
    'Rotate identity secret');
  btn.addEventListener('click', async () => {
    if (!confirm('Make a new identity secret? The current one keeps '
      + 'working for 24 hours so your backend can switch over.')) return;
    try {
      const r = await post('/workspace/identity-secret/rotate');
      out.replaceChildren(notice(h('div', {},
        h('p', {}, 'New identity secret, shown once. Put it in your backend '
          + 'configuration now.'),
        h('p', { class: 'secret mono' }, r.identity_secret, ' ',
          copyButton(r.identity_secret)),
        h('p', {}, `The previous secret is accepted until ${when(
          r.previous_secret_valid_until)}.`)), 'ok'));
    } catch (err) {
      out.replaceChildren(notice(err.message, 'error'));
    }
  });
  return card('Identity secret', h('div', {},
    h('p', {}, 'Your backend signs user identities (HS256 JWT) with this '
      + 'secret. Rotation keeps the old secret valid for an overlap period.'),
    prev ? h('p', { class: 'muted' }, `Previous secret valid until ${when(
      prev)}.`) : null,
    btn, out), { id: 'identity' });
}

function rotateKey(label, path, field_, stops) {
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'button', class: 'btn btn-small' },
    `Rotate ${label}`);
  btn.addEventListener('click', async () => {
    if (!confirm(`Make a new ${label}? The current one stops working ${
      stops}.`)) return;
    try {
      const r = await post(path);
      out.replaceChildren(notice(h('div', {},
        h('p', {}, `New ${label}, shown only now:`),
        h('p', { class: 'secret mono' }, r[field_], ' ',
          copyButton(r[field_]))), 'ok'));
    } catch (err) {
      out.replaceChildren(notice(err.message, 'error'));
    }
  });
  return h('div', { class: 'key-row' }, btn, out);
}

function keysCard(ws) {
  return card('API keys', h('div', { class: 'stack' },
    h('div', {}, h('h3', { class: 'h3' }, 'Public key'),
      h('p', { class: 'muted small' }, 'For the widget script tag; safe to '
        + 'publish.'),
      h('p', { class: 'secret mono' }, ws.public_key, ' ',
        copyButton(ws.public_key))),
    h('div', {}, h('h3', { class: 'h3' }, 'Write key'),
      h('p', { class: 'muted small' }, 'For the Segment-compatible API '
        + '(server side). Herald stores only its hash, so it was shown once '
        + 'at creation; rotate to get a new one.'),
      rotateKey('write key', '/workspace/write-key/rotate', 'write_key',
        'within ten seconds')),
    h('div', {}, h('h3', { class: 'h3' }, 'Admin token'),
      h('p', { class: 'muted small' }, 'Bearer token for the admin API '
        + '(acts as owner). Stored hashed; rotate to replace it.'),
      rotateKey('admin token', '/workspace/admin-token/rotate',
        'admin_token', 'at once'))), { id: 'keys' });
}

export async function settingsView(main, ctx) {
  const ws = await get('/workspace');
  if (!ctx.isCurrent()) return;
  main.append(pageHeader('Workspace', {
    subtitle: `${ws.slug} · settings, keys and secrets`,
  }), h('div', { class: 'cards' }, generalCard(ws), secretCard(ws),
    keysCard(ws)));
}
