// The alert log: every alert with its delivery state, attempts and last
// error, newest first.
import { h, when, pick, list, num } from '../dom.js';
import { get } from '../api.js';
import { pageHeader, table, badge, empty, loadInto } from '../ui.js';

function items(data) {
  if (Array.isArray(data)) return data;
  return list(pick(data, 'alerts', 'items', 'data'));
}

// One row per delivery when the API nests them under alerts.
function rowsOf(alerts) {
  const out = [];
  for (const a of alerts) {
    const ds = list(pick(a, 'deliveries'));
    if (ds.length === 0) out.push({ alert: a, d: a });
    for (const d of ds) out.push({ alert: a, d });
  }
  return out;
}

function qual(a) {
  return pick(a, 'qualification') || a;
}

function subject(a, names) {
  const q = qual(a);
  if (!q || q.subject_id == null) {
    return a.kind === 'test' ? h('span', { class: 'muted' }, 'Test message')
      : '–';
  }
  if (q.subject_type === 'account') {
    return names.get(`account:${q.subject_id}`) || `Account #${q.subject_id}`;
  }
  return h('a', { href: `/admin/leads/${q.subject_id}` },
    names.get(`person:${q.subject_id}`) || `Person #${q.subject_id}`);
}

// Names of leads, to show people rather than ids (best effort).
async function leadNames() {
  const names = new Map();
  try {
    const data = await get('/leads?limit=500');
    for (const l of list(pick(data, 'leads') || data)) {
      names.set(`${l.subject || 'person'}:${l.id}`, l.name || l.email);
    }
  } catch {
    // The log still shows ids.
  }
  return names;
}

export async function alertsView(main) {
  main.append(pageHeader('Alert log', {
    subtitle: 'Alerts sent to your destinations, and whether they arrived.',
  }));
  const body = h('div', {});
  main.append(body);
  await loadInto(body, async () => {
    const [data, names] = await Promise.all([get('/alerts?limit=200'),
      leadNames()]);
    const rows = rowsOf(items(data));
    if (rows.length === 0) {
      return empty('No alerts yet', 'An alert is sent when a person or '
        + 'account qualifies under a rule of the scoring model.',
      h('a', { class: 'btn', href: '/admin/destinations' },
        'Set up destinations'));
    }
    return table([
      { label: 'When', render: ({ alert }) => when(pick(alert, 'created_at',
        'at')) },
      { label: 'Lead', render: ({ alert }) => subject(alert, names) },
      { label: 'Rule', render: ({ alert }) => pick(qual(alert), 'rule_name',
        'rule_id') || alert.kind || '–' },
      { label: 'Destination', render: ({ d }) => pick(d, 'destination',
        'destination_name') || (pick(d, 'destination_id') != null
        ? `#${d.destination_id}` : '–') },
      { label: 'State', render: ({ d }) => badge(pick(d, 'state', 'status')
        || 'queued') },
      { label: 'Attempts', numeric: true, render: ({ d }) =>
        num(pick(d, 'attempts') ?? 0) },
      { label: 'Last error', render: ({ d }) => pick(d, 'last_error')
        ? h('span', { class: 'error-text' }, d.last_error) : '–' },
    ], rows, { caption: 'Alerts' });
  });
}
