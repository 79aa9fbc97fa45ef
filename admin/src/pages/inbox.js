// The local inbox: alerts received by Herald's own inbox destination,
// shown as the Slack message or webhook payload they carried.
import { h, when, pick, list } from '../dom.js';
import { get } from '../api.js';
import { pageHeader, empty, loadInto, card } from '../ui.js';

// Slack mrkdwn: <url|text> links, *bold*; everything else stays text.
function mrkdwn(text) {
  const out = [];
  const re = /<(https?:\/\/[^|>]+)(?:\|([^>]*))?>|\*([^*\n]+)\*/g;
  let at = 0;
  let m;
  while ((m = re.exec(text)) !== null) {
    if (m.index > at) out.push(text.slice(at, m.index));
    if (m[1]) {
      out.push(h('a', { href: m[1] }, m[2] || m[1]));
    } else {
      out.push(h('strong', {}, m[3]));
    }
    at = re.lastIndex;
  }
  out.push(text.slice(at));
  return out.map((x) => (typeof x === 'string'
    ? x.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
    : x));
}

function blockText(b) {
  const parts = [];
  if (b.text && typeof b.text.text === 'string') parts.push(b.text.text);
  for (const f of list(b.fields)) if (f && f.text) parts.push(f.text);
  for (const e of list(b.elements)) {
    if (e && typeof e.text === 'string') parts.push(e.text);
    else if (e && e.text && e.text.text) {
      parts.push(e.url ? `<${e.url}|${e.text.text}>` : e.text.text);
    }
  }
  return parts;
}

function render(payload) {
  const blocks = list(pick(payload, 'blocks'));
  if (blocks.length > 0) {
    return h('div', { class: 'slack' }, blocks.map((b) => {
      const texts = blockText(b);
      if (texts.length === 0) return null;
      const cls = b.type === 'header' ? 'slack-header' : 'slack-section';
      return h('div', { class: cls }, texts.map((t) => t.split('\n')
        .map((line) => (/^(>|&gt;)/.test(line)
          ? h('blockquote', {}, mrkdwn(line.replace(/^(>|&gt;)\s?/, '')))
          : h('p', {}, mrkdwn(line))))));
    }));
  }
  if (typeof pick(payload, 'text') === 'string') {
    return h('div', { class: 'slack' }, h('p', {}, mrkdwn(payload.text)));
  }
  return h('pre', { class: 'mono small' }, JSON.stringify(payload, null, 2));
}

export async function inboxView(main) {
  main.append(pageHeader('Inbox', {
    subtitle: 'Alerts delivered to Herald\'s built-in inbox destination.',
  }));
  const body = h('div', {});
  main.append(body);
  await loadInto(body, async () => {
    const data = await get('/inbox');
    const rows = Array.isArray(data) ? data : list(pick(data, 'messages'));
    if (rows.length === 0) {
      return empty('The inbox is empty', 'Add a destination of kind '
        + '"inbox" (or point a Slack or webhook destination at the inbox '
        + 'URL on the Destinations page) and alerts will land here.');
    }
    return h('div', { class: 'inbox' }, rows.map((m) => card(null, h('div',
      {}, h('div', { class: 'inbox-meta' },
        h('span', { class: 'strong' }, m.kind === 'slack' ? 'Slack message'
          : 'Webhook'), ' · ', when(m.received_at)),
      render(m.payload || {})))));
  });
}
