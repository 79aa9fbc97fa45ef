// Release editor: markdown with a live preview rendered by the server
// (the same renderer as the public page), labels, features, audience,
// schedule and publish.
import { h, append, when, list } from '../dom.js';
import { get, post, patch, del } from '../api.js';
import { can } from '../session.js';
import { navigate } from '../router.js';
import { pageHeader, field, badge, notice, toast } from '../ui.js';

const splitList = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);

function localInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const off = d.getTimezoneOffset() * 60000;
  return new Date(d.getTime() - off).toISOString().slice(0, 19);
}

function previewer(target) {
  let timer = null;
  let seq = 0;
  return (markdown) => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      target.setAttribute('aria-busy', 'true');
      try {
        const r = await post('/preview', { body: markdown });
        if (mine !== seq) return;
        // The server's renderer allows no raw HTML and only http(s) and
        // mailto links, and the page's CSP allows no inline script.
        target.innerHTML = r.html || '';
        if (!markdown.trim()) {
          target.replaceChildren(h('p', { class: 'muted' },
            'The preview appears here as you write.'));
        }
      } catch (err) {
        if (mine === seq) {
          target.replaceChildren(notice(`Preview failed: ${err.message}`,
            'error'));
        }
      } finally {
        if (mine === seq) target.removeAttribute('aria-busy');
      }
    }, 250);
  };
}

function form(release) {
  const f = {
    title: h('input', { type: 'text', name: 'title', required: true,
      maxlength: 200, value: release.title || '' }),
    slug: h('input', { type: 'text', name: 'slug', value: release.slug || '',
      pattern: '[a-z0-9][a-z0-9-]*', placeholder: 'made from the title' }),
    body: h('textarea', { name: 'body', rows: 18, class: 'mono',
      spellcheck: 'true' }),
    labels: h('input', { type: 'text', name: 'labels',
      value: list(release.labels).join(', '), placeholder: 'new, improved' }),
    features: h('input', { type: 'text', name: 'features',
      value: list(release.features).join(', '), placeholder: 'charts' }),
    audience: h('textarea', { name: 'audience', rows: 3, class: 'mono' }),
    publishAt: h('input', { type: 'datetime-local', name: 'publish_at',
      step: 1, value: localInput(release.publish_at) }),
  };
  f.body.value = release.body || release.body_md || '';
  f.audience.value = JSON.stringify(release.audience || {});
  return f;
}

// The JSON body for the API from the form, or throws naming the field.
function values(f) {
  let audience;
  try {
    audience = JSON.parse(f.audience.value.trim() || '{}');
  } catch {
    throw new Error('audience: must be JSON, for example {} for everyone');
  }
  const out = {
    title: f.title.value.trim(),
    body: f.body.value,
    labels: splitList(f.labels.value),
    features: splitList(f.features.value),
    audience,
  };
  if (f.slug.value.trim()) out.slug = f.slug.value.trim();
  if (!out.title) throw new Error('title: give the release a title');
  return out;
}

async function save(release, f, extra) {
  const body = { ...values(f), ...extra };
  if (release.id) {
    return patch(`/releases/${encodeURIComponent(release.id)}`, body);
  }
  return post('/releases', body);
}

export async function releaseEditView(main, ctx) {
  const id = ctx.params[0];
  const release = id ? await get(`/releases/${encodeURIComponent(id)}`) : {};
  if (!ctx.isCurrent()) return;
  const f = form(release);
  const preview = h('div', { class: 'prose preview', 'aria-live': 'polite',
    id: 'preview' });
  const show = previewer(preview);
  f.body.addEventListener('input', () => show(f.body.value));
  show(f.body.value);

  const status = h('p', { class: 'form-error', role: 'alert' });
  const busy = (on) => main.querySelectorAll('.editor-actions button')
    .forEach((b) => { b.disabled = on; });

  async function act(kind) {
    status.textContent = '';
    busy(true);
    try {
      let r;
      if (kind === 'draft') {
        r = await save(release, f, release.id ? {} : { status: 'draft' });
        toast('Saved');
      } else if (kind === 'schedule') {
        if (!f.publishAt.value) throw new Error('publish_at: pick a date');
        r = await save(release, f, { status: 'scheduled',
          publish_at: new Date(f.publishAt.value).toISOString() });
        toast(`Scheduled for ${when(r.publish_at)}`);
      } else {
        r = await save(release, f, {});
        r = await post(`/releases/${encodeURIComponent(r.id)}/publish`);
        toast('Published');
      }
      navigate(`/admin/releases/${encodeURIComponent(r.id)}${
        kind === 'draft' ? '/edit' : ''}`, { replace: kind === 'draft' });
    } catch (err) {
      status.textContent = err.message;
      busy(false);
    }
  }

  async function remove() {
    if (!confirm(`Delete "${release.title}"? This cannot be undone.`)) return;
    try {
      await del(`/releases/${encodeURIComponent(release.id)}`);
      toast('Deleted');
      navigate('/admin/releases');
    } catch (err) {
      status.textContent = err.message;
    }
  }

  append(main, [
    pageHeader(release.id ? 'Edit release' : 'New release', {
      back: { href: '/admin/releases', label: 'Releases' },
      subtitle: release.id ? h('span', {}, badge(release.status || 'draft'),
        release.status === 'scheduled'
          ? ` publishes ${when(release.publish_at)}` : '',
        release.status === 'published'
          ? ` published ${when(release.published_at)}` : '') : null,
    }),
    can('editor') ? null : notice(
      'Your role can read releases but not change them.', 'warn'),
    h('form', { class: 'editor', onsubmit: (e) => {
      e.preventDefault();
      act('draft');
    } },
    h('div', { class: 'editor-main' },
      field('Title', f.title),
      field('Body (markdown)', f.body, { hint: 'Markdown with tables, task '
        + 'lists and links. Raw HTML is not allowed.' }),
      h('div', { class: 'grid-2' },
        field('Labels', f.labels, { hint: 'Comma separated.' }),
        field('Features introduced', f.features, { hint: 'Feature keys, '
          + 'as sent in feature_used events.' })),
      h('div', { class: 'grid-2' },
        field('Slug', f.slug, { hint: 'Part of the public URL.' }),
        field('Publish at', f.publishAt, { hint: 'Your local time; used by '
          + '"Schedule".' })),
      field('Audience (JSON)', f.audience, { hint: '{} shows it to '
        + 'everyone; see the docs for targeting by plan or trait.' }),
      status,
      h('div', { class: 'editor-actions' },
        h('button', { type: 'submit', class: 'btn' }, 'Save draft'),
        h('button', { type: 'button', class: 'btn',
          onclick: () => act('schedule') }, 'Schedule'),
        h('button', { type: 'button', class: 'btn btn-primary',
          onclick: () => act('publish') },
        release.status === 'published' ? 'Save and republish'
          : 'Publish now'),
        release.id ? h('button', { type: 'button', class: 'btn btn-danger',
          onclick: remove }, 'Delete') : null)),
    h('aside', { class: 'editor-preview', 'aria-label': 'Preview' },
      h('div', { class: 'preview-label' }, 'Preview'),
      h('div', { class: 'preview-frame' },
        h('h2', { class: 'preview-title' }, f.title.value || 'Untitled'),
        preview)))]);
  const title = main.querySelector('.preview-title');
  f.title.addEventListener('input', () => {
    title.textContent = f.title.value || 'Untitled';
  });
}
