// Destinations: where alerts go (Slack, e-mail, signed webhook, the
// built-in inbox), with "send test".
import { h, pick, list, when } from '../dom.js';
import { get, post, del } from '../api.js';
import { render } from '../router.js';
import { pageHeader, card, table, badge, empty, field, toast, loadInto,
  notice } from '../ui.js';

function items(data) {
  if (Array.isArray(data)) return data;
  return list(pick(data, 'destinations', 'items', 'data'));
}

function target(d) {
  if (d.kind === 'email') return list(d.recipients).join(', ') || '–';
  return pick(d, 'url', 'url_hint', 'target') || '–';
}

async function sendTest(d, btn) {
  btn.disabled = true;
  try {
    await post(`/destinations/${encodeURIComponent(d.id)}/test`);
    toast(`Test sent to ${d.name}`);
  } catch (err) {
    toast(`${d.name}: ${err.message}`, 'error');
  } finally {
    btn.disabled = false;
  }
}

async function remove(d) {
  if (!confirm(`Delete destination "${d.name}"?`)) return;
  try {
    await del(`/destinations/${encodeURIComponent(d.id)}`);
    toast('Deleted');
    render();
  } catch (err) {
    toast(err.message, 'error');
  }
}

function list_(rows) {
  if (rows.length === 0) {
    return empty('No destinations yet', 'Add a Slack webhook, an e-mail '
      + 'address or a webhook so sales hear about new leads.');
  }
  return table([
    { label: 'Name', render: (d) => h('div', {}, h('strong', {}, d.name),
      h('div', { class: 'muted small' }, list(d.tags).join(', '))) },
    { label: 'Kind', render: (d) => d.kind },
    { label: 'Sends to', render: (d) => h('span', { class: 'mono small' },
      target(d)) },
    { label: 'Mode', render: (d) => d.mode || 'immediate' },
    { label: 'State', render: (d) => h('div', {},
      badge(d.state || 'active'),
      d.last_error ? h('div', { class: 'error-text small' },
        d.last_error, d.failing_since ? ` (since ${when(d.failing_since)})`
          : '') : null) },
    { label: 'Actions', render: (d) => {
      const btn = h('button', { type: 'button', class: 'btn btn-small' },
        'Send test');
      btn.addEventListener('click', () => sendTest(d, btn));
      return h('div', { class: 'row-actions' }, btn,
        h('button', { type: 'button', class: 'btn btn-small btn-danger',
          onclick: () => remove(d) }, 'Delete'));
    } },
  ], rows, { caption: 'Destinations' });
}

function addForm() {
  const kind = h('select', { name: 'kind' },
    [['slack', 'Slack incoming webhook'], ['email', 'E-mail'],
      ['webhook', 'Signed webhook']].map(([v, t]) =>
      h('option', { value: v }, t)));
  const name = h('input', { name: 'name', required: true, maxlength: 100,
    placeholder: 'Sales channel' });
  const url = h('input', { name: 'url', type: 'url',
    placeholder: 'https://hooks.slack.com/services/…' });
  const recipients = h('input', { name: 'recipients',
    placeholder: 'sales@example.com, ae@example.com' });
  const secret = h('input', { name: 'secret', autocomplete: 'off',
    placeholder: 'signing secret (optional)' });
  const tags = h('input', { name: 'tags', value: 'sales',
    placeholder: 'sales' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const urlField = field('URL', url);
  const recField = field('Recipients', recipients, { hint: 'Comma '
    + 'separated.' });
  const secretField = field('Secret', secret);
  const sync = () => {
    urlField.hidden = kind.value === 'email';
    recField.hidden = kind.value !== 'email';
    secretField.hidden = kind.value !== 'webhook';
  };
  kind.addEventListener('change', sync);
  sync();
  const split = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
  const form = h('form', { class: 'stack' },
    h('div', { class: 'grid-2' }, field('Name', name), field('Kind', kind)),
    urlField, recField, secretField,
    field('Tags', tags, { hint: 'Rules notify destinations by name or tag, '
      + 'e.g. "sales".' }),
    error,
    h('div', {}, h('button', { type: 'submit', class: 'btn btn-primary' },
      'Add destination')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const body = { name: name.value.trim(), kind: kind.value,
      tags: split(tags.value) };
    if (kind.value === 'email') body.recipients = split(recipients.value);
    else body.url = url.value.trim();
    if (kind.value === 'webhook' && secret.value) body.secret = secret.value;
    try {
      await post('/destinations', body);
      toast('Destination added');
      render();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  return form;
}

async function inboxCard() {
  try {
    const info = await get('/inbox/info');
    return card('Built-in inbox', h('div', {},
      h('p', {}, 'Alerts sent to this URL appear on the Inbox page, so you '
        + 'can try Herald without Slack. Use it as a Slack or webhook '
        + 'destination URL:'),
      h('p', { class: 'mono small break' }, info.url)), { id: 'inbox-url' });
  } catch {
    return null;
  }
}

export async function destinationsView(main) {
  main.append(pageHeader('Destinations', {
    subtitle: 'Where alerts about new leads are delivered.',
  }));
  const body = h('div', {});
  main.append(body);
  await loadInto(body, async () => {
    const rows = items(await get('/destinations'));
    const failing = rows.filter((d) => d.state === 'failing');
    return h('div', { class: 'cards' },
      failing.length ? notice(`${failing.length} destination(s) failing: `
        + 'alerts to them are held until fixed.', 'error') : null,
      card('Your destinations', list_(rows), { id: 'dest-list', wide: true }),
      card('Add a destination', addForm(), { id: 'dest-add' }),
      await inboxCard());
  });
}
