// Small helpers shared by the widget modules: ids, time, safe storage.

/** A v4 UUID; falls back to getRandomValues outside secure contexts. */
export function uuid() {
  const c = window.crypto;
  if (c && c.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.random() * 256;
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const h = [...b].map((x) => (x + 256).toString(16).slice(1)).join('');
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20),
    h.slice(20)].join('-');
}

export const iso = () => new Date().toISOString();
export const now = () => performance.now();

/** localStorage get; null when missing, unparsable or storage is off. */
export function load(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch (e) {
    return null;
  }
}

/** localStorage set; false when storage is off or full. */
export function save(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch (e) {
    return false;
  }
}

/** UTF-8 byte length of a string. */
export const bytes = (s) => new TextEncoder().encode(s).length;

/** Listen and return the function that stops listening. */
export function on(target, type, fn, opts) {
  target.addEventListener(type, fn, opts);
  return () => target.removeEventListener(type, fn, opts);
}
