// Small helpers shared by the widget modules: ids, time, safe storage.

/** A v4 UUID; built from getRandomValues outside secure contexts. */
export function uuid() {
  const c = window.crypto;
  return c.randomUUID ? c.randomUUID()
    : '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (d) =>
      (d ^ (c.getRandomValues(new Uint8Array(1))[0] & (15 >> (d / 4))))
        .toString(16));
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
