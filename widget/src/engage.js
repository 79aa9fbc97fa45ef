// Engagement capture: views and attentive read time per release.
//
// A view is a card at least half visible in the open panel for one
// continuous second, once per card per opening. Read time accrues only
// while the panel is open, the card is at least half visible, the page is
// visible and focused, and the user was active within idleMs. Time is
// measured with performance.now() deltas and settled at every change of
// any condition, so a gap in which one was false is never counted.

import { now, on } from './util.js';

const VIEW_MS = 1000;
const TICK_MS = 1000;
const MAX_GAP = 5000;     // a longer gap between ticks: the page was frozen
const MAX_REPORT = 60000;
const ACTIVITY = ['pointermove', 'keydown', 'scroll', 'wheel', 'touchstart'];

/**
 * o: { idleMs, reportMs, track(type, fields), viewed(releaseId) }.
 * The caller forwards visibility changes (visibility()) and pagehide
 * (visibility(true)) so it can flush the transport right after.
 */
export function createEngage(o) {
  const visible = new Set();
  const acc = new Map();
  const seen = new Set();
  const timers = new Map();
  let open = false;
  let shown = document.visibilityState === 'visible';
  let focused = document.hasFocus();
  let last = now();
  let lastActive = -Infinity;
  let lastReport = now();
  let tick = 0;
  let io = null;
  let list = null;

  function settle() {
    const t = now();
    const d = Math.min(t, lastActive + o.idleMs) - last;
    if (open && shown && focused && d > 0 && t - last <= MAX_GAP) {
      for (const id of visible) acc.set(id, (acc.get(id) || 0) + d);
    }
    last = t;
  }

  function active() {
    const t = now();
    if (t - lastActive >= o.idleMs) settle();
    lastActive = t;
  }

  /** Queue release_read increments for the time accrued so far. */
  function report() {
    settle();
    for (const [id, ms] of acc) {
      let n = Math.floor(ms);
      acc.set(id, ms - n);
      for (; n > 0; n -= MAX_REPORT) {
        o.track('release_read', {
          release_id: id, ms: Math.min(n, MAX_REPORT)
        });
      }
    }
    lastReport = now();
  }

  function arm(id) {
    if (!open || !shown || seen.has(id) || timers.has(id)) return;
    timers.set(id, setTimeout(() => {
      timers.delete(id);
      if (!open || !shown || !visible.has(id) || seen.has(id)) return;
      seen.add(id);
      o.track('release_viewed', { release_id: id });
      o.viewed(id);
    }, VIEW_MS));
  }

  function disarm() {
    timers.forEach(clearTimeout);
    timers.clear();
  }

  function onTick() {
    const f = document.hasFocus();
    if (focused && !f) last = now();   // lost focus unnoticed: count nothing
    settle();
    focused = f;
    if (now() - lastReport >= o.reportMs) report();
  }

  function intersect(entries) {
    settle();
    for (const e of entries) {
      const id = e.target.dataset.id;
      const half = e.isIntersecting && (e.intersectionRatio >= 0.5 ||
        e.intersectionRect.height >= list.clientHeight / 2);
      if (half && open) {
        visible.add(id);
        arm(id);
      } else {
        visible.delete(id);
        clearTimeout(timers.get(id));
        timers.delete(id);
      }
    }
  }

  /** Watch these cards ([element, releaseId]) inside scroll box `box`. */
  function observe(cards, box) {
    settle();
    if (io) io.disconnect();
    list = box;
    visible.clear();
    disarm();
    io = new IntersectionObserver(intersect,
      { threshold: [0, 0.25, 0.5, 0.75, 1] });
    for (const [el, id] of cards) {
      el.dataset.id = id;
      io.observe(el);
    }
  }

  function setOpen(v) {
    if (v === open) return;
    settle();
    open = v;
    clearInterval(tick);
    if (v) {
      seen.clear();
      lastActive = now();
      lastReport = now();
      tick = setInterval(onTick, TICK_MS);
      return;
    }
    visible.clear();
    disarm();
    report();
  }

  /** The page's visibility changed; gone: it is being unloaded. */
  function visibility(gone) {
    settle();
    shown = !gone && document.visibilityState === 'visible';
    if (!shown) {
      disarm();
      report();
      return;
    }
    active();
    visible.forEach(arm);
  }

  const offs = ACTIVITY.map((type) =>
    on(document, type, active, { capture: true, passive: true }));
  offs.push(on(window, 'focus', () => {
    settle();
    focused = true;
    active();
  }), on(window, 'blur', () => {
    settle();
    focused = false;
  }));

  function destroy() {
    setOpen(false);
    if (io) io.disconnect();
    offs.forEach((f) => f());
  }

  return { observe, setOpen, visibility, active, destroy };
}
