// Release list: status, dates and key numbers per release.
import { h, num, when, pick, list } from '../dom.js';
import { get } from '../api.js';
import { can } from '../session.js';
import { pageHeader, table, badge, empty, loadInto } from '../ui.js';

function items(data) {
  if (Array.isArray(data)) return data;
  return list(pick(data, 'releases', 'items', 'data'));
}

// Drafts, then scheduled, then published; newest first within each.
const RANK = { draft: 0, scheduled: 1, published: 2 };
function byDate(a, b) {
  const at = (r) => Date.parse(pick(r, 'published_at', 'publish_at',
    'updated_at', 'created_at')) || 0;
  return (RANK[a.status] ?? 0) - (RANK[b.status] ?? 0) || at(b) - at(a);
}

// Fills the views cells of published releases from their stats.
async function fillNumbers(rows, cells) {
  await Promise.all(rows.map(async (r) => {
    const c = cells.get(r.id);
    if (!c || r.status !== 'published') return;
    try {
      const s = await get(`/releases/${encodeURIComponent(r.id)}/stats`);
      c.views.textContent = num(pick(s, 'views'));
      c.unique.textContent = num(pick(s, 'unique_viewers'));
    } catch {
      c.views.textContent = '–';
    }
  }));
}

export async function releasesView(main, ctx) {
  const status = ctx.query.get('status') || '';
  const filter = h('div', { class: 'segmented', role: 'group',
    'aria-label': 'Filter by status' },
  ['', 'draft', 'scheduled', 'published'].map((s) => h('a', {
    href: s ? `/admin/releases?status=${s}` : '/admin/releases',
    class: s === status ? 'active' : null,
    'aria-current': s === status ? 'true' : null,
  }, s ? s[0].toUpperCase() + s.slice(1) : 'All')));
  main.append(pageHeader('Releases', {
    subtitle: 'What you shipped, and who read it.',
    actions: can('editor') ? h('a', { class: 'btn btn-primary',
      href: '/admin/releases/new' }, '+ New release') : null,
  }), filter);
  const body = h('div', {});
  main.append(body);
  await loadInto(body, async () => {
    let rows = items(await get('/releases'));
    if (status) rows = rows.filter((r) => r.status === status);
    rows.sort(byDate);
    if (rows.length === 0) {
      return empty(status ? `No ${status} releases` : 'No releases yet',
        'Write your first release note: it appears in the widget and on '
        + 'the public changelog once published.',
        can('editor') ? h('a', { class: 'btn btn-primary',
          href: '/admin/releases/new' }, 'Write a release') : null);
    }
    const cells = new Map();
    const t = table([
      { label: 'Title', render: (r) => h('div', {},
        h('a', { href: `/admin/releases/${encodeURIComponent(r.id)}`,
          class: 'strong' }, r.title || '(untitled)'),
        h('div', { class: 'muted small' },
          list(r.labels).map((l) => h('span', { class: 'tag' }, l)),
          list(r.features).map((f) => h('span', { class: 'tag tag-feature' },
            `feature: ${f}`)))) },
      { label: 'Status', render: (r) => badge(r.status || 'draft') },
      { label: 'Date', render: (r) => r.status === 'published'
        ? when(r.published_at) : r.status === 'scheduled'
          ? `for ${when(r.publish_at)}` : `edited ${when(pick(r,
            'updated_at', 'created_at'))}` },
      { label: 'Views', numeric: true, render: (r) => {
        const views = h('span', {}, r.status === 'published' ? '…' : '–');
        const unique = h('span', {}, '–');
        cells.set(r.id, { views, unique });
        return views;
      } },
      { label: 'Unique viewers', numeric: true,
        render: (r) => cells.get(r.id).unique },
      { label: 'Actions', render: (r) => h('div', { class: 'row-actions' },
        h('a', { href: `/admin/releases/${encodeURIComponent(r.id)}` },
          'Analytics'),
        can('editor') ? h('a', {
          href: `/admin/releases/${encodeURIComponent(r.id)}/edit` }, 'Edit')
          : null) },
    ], rows, { caption: 'Releases' });
    fillNumbers(rows, cells);
    return t;
  });
}
