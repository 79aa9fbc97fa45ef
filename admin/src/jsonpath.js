// Finds where a value sits in JSON text: "rules[2].when.count.gte" ->
// {start, end} offsets, so an error naming a path can be shown in place.
// A small recursive-descent scanner; the text is known to be valid JSON.

function skipWs(s, i) {
  while (i < s.length && /\s/.test(s[i])) i++;
  return i;
}

function skipString(s, i) {
  i++;
  while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
  return i + 1;
}

// Returns the end offset of the value starting at i; calls visit(path,
// start, end) for every value.
function scan(s, i, path, visit) {
  i = skipWs(s, i);
  const start = i;
  if (s[i] === '{') {
    i = skipWs(s, i + 1);
    while (s[i] !== '}') {
      const keyEnd = skipString(s, i);
      const key = JSON.parse(s.slice(i, keyEnd));
      i = skipWs(s, keyEnd) + 1;
      const p = path ? `${path}.${key}` : key;
      i = skipWs(s, scan(s, i, p, visit));
      if (s[i] === ',') i = skipWs(s, i + 1);
    }
    i++;
  } else if (s[i] === '[') {
    i = skipWs(s, i + 1);
    let n = 0;
    while (s[i] !== ']') {
      i = skipWs(s, scan(s, i, `${path}[${n++}]`, visit));
      if (s[i] === ',') i = skipWs(s, i + 1);
    }
    i++;
  } else if (s[i] === '"') {
    i = skipString(s, i);
  } else {
    while (i < s.length && !/[\s,\]}]/.test(s[i])) i++;
  }
  visit(path, start, i);
  return i;
}

// The longest prefix of path found in text, with its offsets.
export function locate(text, path) {
  const found = new Map();
  try {
    scan(text, 0, '', (p, start, end) => found.set(p, { start, end }));
  } catch {
    return null;
  }
  let p = path;
  while (p) {
    if (found.has(p)) return { path: p, ...found.get(p) };
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut > 0 ? p.slice(0, cut) : '';
  }
  return null;
}

export function lineOf(text, offset) {
  return text.slice(0, offset).split('\n').length;
}

// "rules[2].when.count.gte: must be a number" -> the path part.
export function errorPath(message) {
  const m = /^([A-Za-z_][\w]*(?:\[\d+\]|\.[A-Za-z_][\w]*)*)\s*:/.exec(
    message || '');
  return m ? m[1] : null;
}
