// One lead: score and its reasons, releases read, features used,
// qualifications, alerts sent and the timeline.
import { h, num, duration, when, ago, pick, list } from '../dom.js';
import { get, query } from '../api.js';
import { pageHeader, card, kpi, badge, empty, table } from '../ui.js';
import { leadName, leadState } from './leads.js';

function reasonsCard(lead) {
  const rows = list(pick(lead, 'reasons'));
  if (rows.length === 0) return card('Why this score', empty('No reasons'));
  return card('Why this score', h('ul', { class: 'reasons' },
    rows.map((r) => h('li', {},
      h('span', { class: `points ${Number(r.points) < 0 ? 'neg' : ''}` },
        `${Number(r.points) >= 0 ? '+' : ''}${num(r.points)}`),
      h('div', {},
        h('div', { class: 'strong' }, pick(r, 'detail') ||
          pick(r, 'event', 'trait', 'kind')),
        h('div', { class: 'muted small' }, [pick(r, 'kind'),
          pick(r, 'event', 'trait'), r.count != null ? `×${r.count}` : null]
          .filter(Boolean).join(' · ')))))), { id: 'reasons' });
}

function releasesCard(lead) {
  const rows = list(pick(lead, 'releases_read', 'releases'));
  return card('Releases read', rows.length === 0 ? empty('None read yet')
    : table([
      { label: 'Release', render: (r) => {
        const rid = pick(r, 'release_id', 'id');
        const title = pick(r, 'title', 'slug', 'release_id');
        return rid ? h('a', { href: `/admin/releases/${rid}` }, title)
          : title;
      } },
      { label: 'Read time', numeric: true, render: (r) =>
        duration(pick(r, 'read_ms', 'read_time_ms', 'ms')) },
      { label: 'Views', numeric: true, render: (r) => num(pick(r, 'views',
        'count')) },
      { label: 'Clicks', numeric: true, render: (r) => num(r.clicks ?? 0) },
      { label: 'Shares', numeric: true, render: (r) => num(r.shares ?? 0) },
    ], rows, { caption: 'Releases read' }), { id: 'releases-read' });
}

function featuresCard(lead) {
  const rows = list(pick(lead, 'features_used', 'features'));
  return card('Features used', rows.length === 0 ? empty('None yet')
    : h('ul', { class: 'chips' }, rows.map((f) => h('li', {},
      typeof f === 'string' ? f : `${pick(f, 'feature', 'name')} ×${num(
        pick(f, 'count', 'uses') ?? 1)}`))), { id: 'features-used' });
}

function qualCard(lead, alerts) {
  const quals = list(pick(lead, 'qualifications'));
  return card('Qualifications and alerts', h('div', {},
    quals.length === 0 ? h('p', { class: 'muted' }, 'Not qualified yet.')
      : h('ul', { class: 'plain' }, quals.map((q) => h('li', {},
        badge(q.left_at ? 'left' : 'qualified', q.left_at ? 'grey' : 'green'),
        ' ', h('strong', {}, pick(q, 'rule_name', 'rule_id', 'rule')),
        ` · ${when(q.qualified_at)} · score ${num(q.score)}`))),
    alerts.length === 0 ? null : h('h3', { class: 'h3' }, 'Alerts sent'),
    alerts.length === 0 ? null : h('ul', { class: 'plain' }, alerts.flatMap(
      (a) => (list(a.deliveries).length ? list(a.deliveries) : [a]).map((d) =>
        h('li', {}, badge(pick(d, 'state', 'status') || 'queued'), ' ',
          pick(d, 'destination', 'destination_name') || 'destination',
          ` · ${pick(pick(a, 'qualification') || {}, 'rule_name',
            'rule_id') || a.kind || 'alert'} · `,
          when(pick(d, 'delivered_at') || a.created_at)))))),
  { id: 'qualifications' });
}

// "link_clicked https://…", "feature_used charts", "release_read 42 s".
function eventDetail(e) {
  const p = pick(e, 'properties', 'props') || {};
  const parts = [];
  if (e.release_title) parts.push(e.release_title);
  if (p.url) parts.push(p.url);
  if (p.feature) parts.push(p.feature);
  if (p.channel) parts.push(`via ${p.channel}`);
  if (p.emoji) parts.push(p.emoji);
  if (typeof p.ms === 'number') parts.push(duration(p.ms));
  return parts.join(' · ');
}

function eventName(e) {
  const type = pick(e, 'type');
  if (type === 'track' || type === 'page') return pick(e, 'name') || type;
  return pick(e, 'name', 'type', 'event');
}

function timelineCard(lead) {
  const rows = list(pick(lead, 'timeline', 'events'));
  return card('Timeline', rows.length === 0 ? empty('No activity yet')
    : h('ol', { class: 'timeline' }, rows.slice(0, 100).map((e) => {
      const at = pick(e, 'occurred_at', 'at', 'time');
      return h('li', {},
        h('time', { datetime: at }, when(at)),
        h('span', { class: 'strong' }, eventName(e)),
        h('span', { class: 'muted' }, ' ', eventDetail(e)));
    })), { id: 'timeline', wide: true });
}

async function alertsFor(id) {
  try {
    const data = await get(`/alerts${query({ limit: 500 })}`);
    const rows = Array.isArray(data) ? data : list(pick(data, 'alerts',
      'items'));
    return rows.filter((a) => {
      const q = pick(a, 'qualification') || a;
      return pick(q, 'subject_type') !== 'account' &&
        String(pick(q, 'subject_id', 'person_id')) === String(id);
    });
  } catch {
    return [];
  }
}

export async function leadView(main, ctx) {
  const id = encodeURIComponent(ctx.params[0]);
  const [lead, alerts] = await Promise.all([get(`/leads/${id}`),
    alertsFor(ctx.params[0])]);
  if (!ctx.isCurrent()) return;
  const person = pick(lead, 'person') || lead;
  const account = pick(lead, 'account') || {};
  main.append(pageHeader(leadName(lead), {
    back: { href: '/admin/leads', label: 'Leads' },
    subtitle: [pick(person, 'email'), pick(person, 'traits') &&
      person.traits.role, pick(account, 'name'),
    pick(account, 'employees') != null
      ? `${num(account.employees)} employees` : null,
    pick(account, 'industry'), pick(account, 'country')]
      .filter(Boolean).join(' · '),
    actions: badge(leadState(lead)),
  }),
  h('div', { class: 'kpis', id: 'score' },
    kpi('Score', num(pick(lead, 'score'))),
    kpi('Fit', num(pick(lead, 'fit')), 'who they are'),
    kpi('Engagement', num(pick(lead, 'engagement')), 'what they did, decayed'),
    kpi('Last active', ago(pick(person, 'last_seen_at') ||
      pick(lead, 'last_seen_at')))),
  h('div', { class: 'cards' },
    reasonsCard(lead),
    qualCard(lead, alerts),
    releasesCard(lead),
    featuresCard(lead),
    timelineCard(lead)));
}
