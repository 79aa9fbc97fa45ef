// Per-release analytics: views over time, read time, clicks, shares,
// reactions and adoption of the features the release introduced.
import { h, num, duration, day, when, pick, pairs, list, pct } from '../dom.js';
import { get } from '../api.js';
import { can } from '../session.js';
import { pageHeader, card, kpi, badge, empty, table } from '../ui.js';
import { lineChart, barChart, groupedBars } from '../charts.js';

// Fewer days than this draw as bars: a line needs a few points.
const LINE_MIN_DAYS = 3;

function byDay(stats) {
  const rows = list(pick(stats, 'views_by_day', 'daily'));
  return {
    labels: rows.map((r) => day(r.day)),
    views: rows.map((r) => Number(r.views || 0)),
    unique: rows.map((r) => Number(pick(r, 'unique', 'unique_viewers') || 0)),
  };
}

function viewsCard(stats) {
  const d = byDay(stats);
  if (d.labels.length === 0) {
    return card('Views over time', empty('No views yet',
      'Views appear here once readers open the release in the widget or '
      + 'on the changelog.'), { id: 'views', wide: true });
  }
  const total = d.views.reduce((a, b) => a + b, 0);
  const series = [
    { label: 'Views', data: d.views },
    { label: 'Unique viewers', data: d.unique },
  ];
  const summary = `Views per day over ${d.labels.length} days, ${total} in `
    + 'all';
  return card('Views over time', d.labels.length < LINE_MIN_DAYS
    ? groupedBars(d.labels, series, summary)
    : lineChart(d.labels, series, summary), { id: 'views', wide: true });
}

// Read-time buckets if the API gives them, else the readers' summary.
function readCard(stats) {
  const rt = pick(stats, 'read_time_ms') || {};
  const buckets = list(pick(rt, 'distribution', 'buckets', 'histogram'))
    .concat(list(pick(stats, 'read_time_distribution')));
  let body;
  if (buckets.length > 0) {
    const rows = buckets.map((b) => [String(pick(b, 'label', 'bucket', 'le',
      'range') ?? '?'), Number(pick(b, 'readers', 'count', 'n') ?? 0)]);
    body = barChart(rows, 'Readers by time spent reading',
      { label: 'Readers', color: 1 });
  } else {
    body = h('p', { class: 'muted' }, 'Time spent reading per reader.');
  }
  return card('Read time', h('div', {},
    h('div', { class: 'kpis kpis-small' },
      kpi('Median per reader', duration(pick(rt, 'median_per_reader',
        'median'))),
      kpi('Total', duration(pick(rt, 'total'))),
      kpi('Readers', num(pick(stats, 'readers')))),
    body), { id: 'read-time' });
}

function barsCard(title, id, rows, what, color) {
  if (rows.length === 0) {
    return card(title, empty(`No ${what} yet`), { id });
  }
  return card(title, barChart(rows, `${title}: ${rows.map((r) =>
    `${r[0]} ${r[1]}`).join(', ')}`, { label: what, color }), { id });
}

function adoptionCard(stats, release) {
  const rows = list(pick(stats, 'feature_adoption', 'adoption'));
  if (rows.length === 0) {
    return card('Feature adoption', empty('No features to measure',
      list(release.features).length === 0
        ? 'Name the features this release introduces to compare adoption '
          + 'by its viewers and everyone else.'
        : 'No feature_used events yet.'), { id: 'adoption', wide: true });
  }
  const rate = (a, b) => (b ? Math.round((100 * a) / b) : 0);
  const labels = rows.map((r) => r.feature);
  const chart = groupedBars(labels, [
    { label: 'Viewers who used it', data: rows.map((r) =>
      rate(r.viewers_used, r.viewers)) },
    { label: 'Non-viewers who used it', color: 7, data: rows.map((r) =>
      rate(r.non_viewers_used, r.non_viewers)) },
  ], 'Feature adoption by viewers and non-viewers', { percent: true });
  const t = table([
    { label: 'Feature', render: (r) => h('code', {}, r.feature) },
    { label: 'Viewers who used it', numeric: true, render: (r) =>
      `${num(r.viewers_used)} of ${num(r.viewers)} (${pct(r.viewers_used,
        r.viewers)})` },
    { label: 'Non-viewers who used it', numeric: true, render: (r) =>
      `${num(r.non_viewers_used)} of ${num(r.non_viewers)} (${pct(
        r.non_viewers_used, r.non_viewers)})` },
  ], rows, { caption: 'Feature adoption' });
  return card('Feature adoption', h('div', { class: 'split' }, chart, t),
    { id: 'adoption', wide: true });
}

export async function releaseStatsView(main, ctx) {
  const id = encodeURIComponent(ctx.params[0]);
  const release = await get(`/releases/${id}`);
  if (!ctx.isCurrent()) return;
  const header = pageHeader(release.title || 'Release', {
    back: { href: '/admin/releases', label: 'Releases' },
    subtitle: h('span', {}, badge(release.status || 'draft'), ' ',
      release.status === 'published' ? `Published ${when(
        release.published_at)}` : release.status === 'scheduled'
        ? `Publishes ${when(release.publish_at)}` : 'Not published'),
    actions: [
      release.url && release.status === 'published' ? h('a', {
        class: 'btn', href: release.url, target: '_blank',
        rel: 'noopener' }, 'View public page ↗') : null,
      can('editor') ? h('a', { class: 'btn btn-primary',
        href: `/admin/releases/${id}/edit` }, 'Edit') : null,
    ],
  });
  main.append(header);
  if (release.status !== 'published') {
    main.append(empty('No analytics before publishing',
      'Numbers appear here once the release is published and read.'));
    return;
  }
  const [stats, reading] = await Promise.all([
    get(`/releases/${id}/stats`),
    get(`/releases/${id}/read-time`).catch(() => null),
  ]);
  if (!ctx.isCurrent()) return;
  if (reading && !stats.read_time_distribution) {
    stats.read_time_distribution = list(reading.buckets);
  }
  const rt = pick(stats, 'read_time_ms') || {};
  main.append(
    h('div', { class: 'kpis', id: 'kpis' },
      kpi('Views', num(stats.views)),
      kpi('Unique viewers', num(stats.unique_viewers)),
      kpi('Readers', num(stats.readers)),
      kpi('Median read time', duration(pick(rt, 'median_per_reader'))),
      kpi('Link clicks', num(pairs(stats.clicks).reduce((a, r) => a + r[1],
        0)))),
    h('div', { class: 'cards' },
      viewsCard(stats),
      readCard(stats),
      barsCard('Clicks per link', 'clicks', pairs(stats.clicks), 'clicks', 0),
      barsCard('Shares per channel', 'shares', pairs(stats.shares), 'shares',
        2),
      barsCard('Reactions', 'reactions', pairs(stats.reactions), 'reactions',
        3),
      adoptionCard(stats, release)));
}
