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

function subject(a) {
  const s = pick(a, 'subject') || {};
  const pid = pick(a, 'person_id') ?? (pick(a, 'subject_type') === 'person'
    ? pick(a, 'subject_id') : pick(s, 'type') === 'person' ? s.id : null);
  const name = pick(a, 'person_name', 'subject_name', 'name', 'email') ||
    pick(s, 'name', 'email') || (pid ? `Person #${pid}` : '–');
  return pid != null ? h('a', { href: `/admin/leads/${pid}` }, name) : name;
}

export async function alertsView(main) {
  main.append(pageHeader('Alert log', {
    subtitle: 'Alerts sent to your destinations, and whether they arrived.',
  }));
  const body = h('div', {});
  main.append(body);
  await loadInto(body, async () => {
    const rows = rowsOf(items(await get('/alerts')));
    if (rows.length === 0) {
      return empty('No alerts yet', 'An alert is sent when a person or '
        + 'account qualifies under a rule of the scoring model.',
      h('a', { class: 'btn', href: '/admin/destinations' },
        'Set up destinations'));
    }
    return table([
      { label: 'When', render: ({ alert }) => when(pick(alert, 'created_at',
        'at')) },
      { label: 'Lead', render: ({ alert }) => subject(alert) },
      { label: 'Rule', render: ({ alert }) => pick(alert, 'rule_name',
        'rule_id', 'rule', 'kind') || '–' },
      { label: 'Destination', render: ({ d }) => pick(d, 'destination_name',
        'destination') || (pick(d, 'destination_id') != null
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
