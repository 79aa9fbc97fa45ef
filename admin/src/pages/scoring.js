// Scoring model editor: the model as JSON, saved as a new version; the
// server's error names a JSON path, which is shown at its place.
import { h, append, pick, list, when } from '../dom.js';
import { get, put } from '../api.js';
import { can } from '../session.js';
import { pageHeader, card, notice, toast, table, badge } from '../ui.js';
import { locate, lineOf, errorPath } from '../jsonpath.js';

function modelOf(data) {
  const m = { ...(pick(data, 'model') || data || {}) };
  delete m.version;
  delete m.updated_at;
  delete m.created_at;
  return m;
}

function rulesSummary(model) {
  const rules = list(model.rules);
  if (rules.length === 0) return h('p', { class: 'muted' }, 'No rules.');
  return table([
    { label: 'Rule', render: (r) => h('div', {}, h('strong', {},
      r.name || r.id), h('div', { class: 'muted small' }, r.id)) },
    { label: 'Subject', render: (r) => badge(r.subject || 'person') },
    { label: 'Notifies', render: (r) => list(r.notify).join(', ') || '–' },
  ], rules, { caption: 'Rules' });
}

export async function scoringView(main, ctx) {
  const data = await get('/scoring');
  if (!ctx.isCurrent()) return;
  const version = pick(data, 'version');
  const text = h('textarea', { class: 'mono code-editor', rows: 28,
    spellcheck: 'false', id: 'model', 'aria-describedby': 'model-error',
    autocapitalize: 'off' });
  text.value = JSON.stringify(modelOf(data), null, 2);
  const errorBox = h('div', { id: 'model-error', role: 'alert',
    class: 'model-error' });
  const summary = h('div', {}, rulesSummary(modelOf(data)));
  const versionLabel = h('span', {}, pick(data, 'default')
    ? 'Default model, not saved yet.' : version != null
      ? `Version ${version}${data.created_at ? ` of ${when(
        data.created_at)}` : ''}.` : '');

  function showError(message) {
    errorBox.replaceChildren();
    text.removeAttribute('aria-invalid');
    if (!message) return;
    text.setAttribute('aria-invalid', 'true');
    const path = errorPath(message);
    const at = path ? locate(text.value, path) : null;
    errorBox.append(notice(h('span', {},
      at ? h('strong', {}, `Line ${lineOf(text.value, at.start)}, `
        + `${path}: `) : null,
      at ? message.slice(path.length + 1).trim() : message), 'error'));
    if (at) {
      text.focus();
      text.setSelectionRange(at.start, at.end);
      const lh = parseFloat(getComputedStyle(text).lineHeight) || 19;
      text.scrollTop = Math.max(0, (lineOf(text.value, at.start) - 4) * lh);
    }
  }

  function parse() {
    try {
      return JSON.parse(text.value);
    } catch (err) {
      const m = /position (\d+)/.exec(err.message);
      const line = m ? lineOf(text.value, Number(m[1])) : null;
      showError(`${line ? `line ${line}` : 'JSON'}: ${err.message}`);
      return null;
    }
  }

  async function save(e) {
    e.preventDefault();
    const model = parse();
    if (!model) return;
    showError('');
    try {
      const saved = await put('/scoring', model);
      const v = pick(saved, 'version');
      versionLabel.textContent = v != null ? `Version ${v}.` : '';
      summary.replaceChildren(rulesSummary(model));
      toast(v != null ? `Saved as version ${v}` : 'Saved');
    } catch (err) {
      showError(err.message);
    }
  }

  append(main, [pageHeader('Scoring model', {
    subtitle: h('span', {}, 'Fit, engagement and the rules that alert '
      + 'sales. ', versionLabel),
  }),
  can('owner') ? null : notice('Only owners can change the model.', 'warn'),
  h('div', { class: 'cards' },
    card('Model (JSON)', h('form', { onsubmit: save },
      h('label', { for: 'model', class: 'sr-only' }, 'Scoring model JSON'),
      text, errorBox,
      h('div', { class: 'editor-actions' },
        h('button', { type: 'submit', class: 'btn btn-primary' },
          'Save new version'),
        h('button', { type: 'button', class: 'btn', onclick: () => {
          const m = parse();
          if (m) {
            text.value = JSON.stringify(m, null, 2);
            showError('');
          }
        } }, 'Format'))), { id: 'model-card', wide: true }),
    card('Rules', summary, { id: 'rules', wide: true }))]);
}
