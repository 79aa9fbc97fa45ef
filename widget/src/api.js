// Transport: fetches releases and delivers engagement events. Events are
// queued in memory and in localStorage (herald:q:{pk}) and leave the
// queue only after a 2xx, or after sendBeacon accepted them.

import { uuid, iso, load, save, bytes } from './util.js';

const MAX_QUEUE = 500;          // stored events; the oldest are dropped
const MAX_BODY = 60000;         // bytes per request, under 64 KiB keepalive
const MAX_BATCH = 100;          // events per normal flush
const MAX_BACKOFF = 300000;
const MAX_REFUSALS = 8;         // 5xx in a row before a batch is dropped
const TYPE = 'text/plain;charset=UTF-8';  // no CORS preflight

/**
 * o: { base, pk, flushMs, token(): string|null, unauthorized(): void }.
 * unauthorized is called on 401 when a token was sent; the caller must
 * forget the token, and the request is repeated anonymously.
 */
export function createApi(o) {
  const root = o.base + '/api/v1/widget/' + encodeURIComponent(o.pk);
  const qKey = 'herald:q:' + o.pk;
  const aKey = 'herald:anon:' + o.pk;
  let anon = load(aKey);
  let mem = [];
  let stored = true;
  let busy = false;
  let fails = 0;
  let refusals = 0;
  let notBefore = 0;
  let batchMax = MAX_BATCH;

  if (typeof anon !== 'string' || !anon) {
    anon = 'a_' + uuid().replace(/-/g, '');
    save(aKey, anon);
  }

  function read() {
    const q = stored && load(qKey);
    if (Array.isArray(q)) mem = q;
    return mem;
  }

  function write(q) {
    mem = q.slice(-MAX_QUEUE);
    stored = save(qKey, mem);
  }

  function drop(events) {
    const ids = new Set(events.map((e) => e.id));
    write(read().filter((e) => !ids.has(e.id)));
  }

  function body(events) {
    const b = { anonymous_id: anon, sent_at: iso(), events };
    const t = o.token();
    if (t) b.token = t;
    return JSON.stringify(b);
  }

  /* Split events into groups whose bodies stay under MAX_BODY bytes; an
   * event is never split, and one too big to ever send is dropped. */
  function chunks(events) {
    const room = MAX_BODY - bytes(body([])) - 64;
    const out = [];
    let cur = [];
    let size = 0;
    for (const e of events) {
      const n = bytes(JSON.stringify(e)) + 1;
      if (n > room) {
        drop([e]);
        continue;
      }
      if (size + n > room) {
        out.push(cur);
        cur = [];
        size = 0;
      }
      cur.push(e);
      size += n;
    }
    if (cur.length) out.push(cur);
    return out;
  }

  function post(events, keepalive) {
    return fetch(root + '/events', {
      method: 'POST', body: body(events), keepalive, credentials: 'omit',
      headers: { 'Content-Type': TYPE }
    });
  }

  function retryAfter(res) {
    const v = res && res.headers.get('Retry-After');
    if (!v) return 0;
    const s = Number(v);
    return s >= 0 ? s * 1000 : Math.max(0, Date.parse(v) - Date.now()) || 0;
  }

  function later(res) {
    fails++;
    const wait = Math.min(MAX_BACKOFF, o.flushMs * 2 ** fails);
    notBefore = Date.now() + Math.max(retryAfter(res), wait);
  }

  /** Send queued events with fetch, batch by batch, until empty. */
  async function flush() {
    const q = read();
    if (busy || !q.length || Date.now() < notBefore) return;
    const batch = chunks(q.slice(0, batchMax))[0];
    if (!batch) return flush();
    const authed = !!o.token();
    let res = null;
    busy = true;
    try {
      res = await post(batch, false);
    } catch (e) {
      res = null;
    }
    busy = false;
    let s = res ? res.status : 0;
    if (s === 401 && authed) {
      o.unauthorized();
      return flush();
    }
    if (s === 413 && batch.length > 1) {
      batchMax = Math.ceil(batch.length / 2);
      return flush();
    }
    if (s >= 500 && s !== 503 && ++refusals >= MAX_REFUSALS) s = 400;
    if (s >= 200 && s < 500 && s !== 408 && s !== 429) {
      fails = refusals = 0;
      batchMax = MAX_BATCH;
      drop(batch);       // 2xx: delivered; other 4xx: bad events
      return flush();
    }
    later(res);          // offline, 408, 429, 5xx: keep, back off
  }

  /* Page is hiding: hand everything to sendBeacon, newest first. Beacons
   * and keepalive fetches share one 64 KiB in-flight quota, so what does
   * not fit goes by plain fetch, which works while the page only hides;
   * on unload it is cancelled and the events stay queued for next time. */
  function beacon() {
    if (navigator.onLine === false) return;
    for (const c of chunks(read().slice().reverse())) {
      let ok = false;
      try {
        ok = navigator.sendBeacon(root + '/events',
          new Blob([body(c)], { type: TYPE }));
      } catch (e) {
        ok = false;
      }
      if (ok) drop(c);
      else {
        post(c, true).catch(() => post(c, false))
          .then((r) => r.ok && drop(c), () => {});
      }
    }
  }

  /** Queue one event; returns it. */
  function track(type, fields) {
    const e = Object.assign({ id: uuid(), type, ts: iso() }, fields);
    write(read().concat(e));
    return e;
  }

  /** GET the releases; repeats anonymously after a 401 with a token. */
  async function releases() {
    const t = o.token();
    const res = await fetch(root + '/releases?anonymous_id=' +
      encodeURIComponent(anon), {
      credentials: 'omit',
      headers: t ? { Authorization: 'Bearer ' + t } : {}
    });
    if (res.status === 401 && t) {
      o.unauthorized();
      return releases();
    }
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const d = await res.json();
    if (typeof d.anonymous_id === 'string' && d.anonymous_id &&
        d.anonymous_id !== anon) {
      anon = d.anonymous_id;
      save(aKey, anon);
    }
    return d;
  }

  const timer = setInterval(flush, o.flushMs);
  const online = () => {
    notBefore = 0;
    flush();
  };
  window.addEventListener('online', online);

  function stop() {
    clearInterval(timer);
    window.removeEventListener('online', online);
    flush();
  }

  return { releases, track, flush, beacon, stop };
}
