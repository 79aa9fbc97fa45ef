// Leads: qualified and near-qualified people and accounts, sortable and
// filterable by rule, fit and company size.
import { h, num, ago, pick, list } from '../dom.js';
import { get, query } from '../api.js';
import { navigate } from '../router.js';
import { pageHeader, table, badge, empty, loadInto, field } from '../ui.js';

function items(data) {
  if (Array.isArray(data)) return data;
  return list(pick(data, 'leads', 'items', 'data'));
}

export function leadId(l) {
  return pick(l, 'person_id', 'id', 'subject_id');
}

// Lead pages exist for people; accounts are listed with their numbers.
function leadLink(l) {
  const subject = pick(l, 'subject', 'subject_type') || 'person';
  if (subject !== 'person') {
    return h('span', { class: 'strong' }, leadName(l));
  }
  return h('a', { class: 'strong', href: `/admin/leads/${leadId(l)}` },
    leadName(l));
}

export function leadName(l) {
  const p = pick(l, 'person') || {};
  return pick(l, 'name', 'email') || pick(p, 'name', 'email') ||
    pick(l, 'external_id') || `#${leadId(l)}`;
}

function account(l) {
  return pick(l, 'account') || {};
}

function stateOf(l) {
  const s = pick(l, 'state', 'status');
  if (s) return s;
  return list(pick(l, 'rules', 'qualified_rules')).length ? 'qualified'
    : 'near';
}

export function leadState(l) {
  const s = pick(l, 'state');
  if (Array.isArray(s)) return s.length ? 'qualified' : 'near';
  return stateOf(l);
}

function rulesOf(l) {
  return list(pick(l, 'rules', 'qualified_rules', 'qualifications'))
    .map((r) => (typeof r === 'string' ? r : pick(r, 'name', 'rule_id', 'id')));
}

async function ruleOptions() {
  try {
    const model = await get('/scoring');
    return list(pick(model, 'rules') || pick(pick(model, 'model'), 'rules'))
      .map((r) => [r.id, r.name || r.id]);
  } catch {
    return [];
  }
}

// People first: sales call people; accounts are a click away.
const defaults = { subject: 'person' };

function filters(q, rules) {
  const sel = (name, options, label) => field(label, h('select', { name },
    options.map(([v, t]) => h('option', { value: v,
      selected: (q.get(name) || defaults[name] || '') === v }, t))));
  const inputNum = (name, label, ph) => field(label, h('input', {
    type: 'number', name, min: 0, value: q.get(name) || '', placeholder: ph,
    inputmode: 'numeric' }));
  const form = h('form', { class: 'filters', role: 'search',
    'aria-label': 'Filter leads' },
  sel('subject', [['person', 'People'], ['account', 'Accounts'],
    ['all', 'People and accounts']], 'Show'),
  sel('rule', [['', 'Any rule'], ...rules], 'Rule'),
  inputNum('min_fit', 'Minimum fit', '0'),
  inputNum('min_employees', 'Minimum employees', 'any'),
  h('div', { class: 'filters-actions' },
    h('button', { type: 'submit', class: 'btn' }, 'Apply'),
    h('a', { href: '/admin/leads', class: 'btn btn-ghost' }, 'Reset')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams(q);
    for (const [k, v] of new FormData(form)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    navigate(`/admin/leads${next.toString() ? `?${next}` : ''}`);
  });
  return form;
}

export async function leadsView(main, ctx) {
  const q = ctx.query;
  main.append(pageHeader('Leads', {
    subtitle: 'People and accounts that qualified or are close, best first.',
  }));
  const rules = await ruleOptions();
  if (!ctx.isCurrent()) return;
  main.append(filters(q, rules));
  const body = h('div', {});
  main.append(body);
  // The server sorts best first (descending) by one of these keys.
  const sortKey = q.get('sort') || 'score';
  const dir = 'desc';
  const onSort = (key) => {
    const next = new URLSearchParams(q);
    next.set('sort', key);
    navigate(`/admin/leads?${next}`);
  };
  await loadInto(body, async () => {
    const params = Object.fromEntries(['sort', 'rule', 'min_fit',
      'min_employees', 'subject'].map((k) => [k, q.get(k) ?? defaults[k]]));
    if (params.subject === 'all') delete params.subject;
    const rows = items(await get(`/leads${query(params)}`));
    if (rows.length === 0) {
      return empty('No leads yet',
        'People appear here when their fit and engagement come close to a '
        + 'rule of the scoring model.');
    }
    return table([
      { label: 'Lead', render: (l) => h('div', {}, leadLink(l),
        h('div', { class: 'muted small' }, [pick(l, 'email'),
          pick(l, 'role'), pick(l, 'subject') === 'account' ? 'account'
            : null].filter(Boolean).join(' · '))) },
      { label: 'Company', render: (l) => pick(account(l), 'name') ||
        pick(l, 'account_name') || '–' },
      { label: 'Score', numeric: true, sort: 'score',
        render: (l) => h('strong', {}, num(l.score)) },
      { label: 'Fit', numeric: true, sort: 'fit', render: (l) => num(l.fit) },
      { label: 'Engagement', numeric: true, sort: 'engagement',
        render: (l) => num(l.engagement) },
      { label: 'State', render: (l) => h('div', {}, badge(stateOf(l)),
        rulesOf(l).map((r) => h('span', { class: 'tag' }, r))) },
      { label: 'Qualified', sort: 'qualified_at', render: (l) =>
        ago(pick(l, 'qualified_at')) },
      { label: 'Scored', render: (l) => ago(pick(l, 'updated_at',
        'scored_at')) },
    ], rows, { caption: 'Leads', sort: { key: sortKey, dir, onSort },
      rowLabel: leadName });
  });
}
