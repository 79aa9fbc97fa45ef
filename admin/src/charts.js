// Charts on Chart.js, registering only the parts the pages use.  Each
// canvas carries a text summary for screen readers.
import {
  Chart, LineController, BarController, LineElement, PointElement,
  BarElement, CategoryScale, LinearScale, Tooltip, Legend, Filler,
} from 'chart.js';
import { h } from './dom.js';

Chart.register(LineController, BarController, LineElement, PointElement,
  BarElement, CategoryScale, LinearScale, Tooltip, Legend, Filler);
Chart.defaults.font.family =
  'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#475569';
Chart.defaults.animation = false;

export const COLORS = ['#4f46e5', '#0ea5e9', '#10b981', '#f59e0b',
  '#ef4444', '#8b5cf6', '#14b8a6', '#64748b'];

function canvasBox(summary, height) {
  const canvas = h('canvas', { role: 'img', 'aria-label': summary });
  const box = h('div', { class: 'chart', style: null }, canvas);
  box.style.height = `${height}px`;
  return { box, canvas };
}

function mount(box, canvas, config) {
  // Drawn once the box is in the document, so it has a size.
  requestAnimationFrame(() => {
    if (canvas.isConnected) new Chart(canvas, config);
  });
  return box;
}

const grid = { color: '#e2e8f0' };

// series: [{label, data:[numbers]}] over labels.
export function lineChart(labels, series, summary, height = 240) {
  const { box, canvas } = canvasBox(summary, height);
  return mount(box, canvas, {
    type: 'line',
    data: {
      labels,
      datasets: series.map((s, i) => ({
        label: s.label, data: s.data, borderColor: COLORS[i],
        backgroundColor: `${COLORS[i]}22`, fill: i === 0, tension: 0.25,
        pointRadius: labels.length > 30 ? 0 : 3, borderWidth: 2,
      })),
    },
    options: {
      responsive: true, maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { grid: { display: false } },
        y: { beginAtZero: true, grid, ticks: { precision: 0 } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

// Horizontal bars: [[label, value]].
export function barChart(rows, summary, { label = 'Count', color = 0,
  percent = false } = {}) {
  const height = Math.max(120, 36 * rows.length + 40);
  const { box, canvas } = canvasBox(summary, height);
  return mount(box, canvas, {
    type: 'bar',
    data: {
      labels: rows.map((r) => shorten(r[0])),
      datasets: [{ label, data: rows.map((r) => r[1]),
        backgroundColor: COLORS[color], borderRadius: 4, maxBarThickness: 22 }],
    },
    options: {
      indexAxis: 'y', responsive: true, maintainAspectRatio: false,
      scales: {
        x: { beginAtZero: true, grid, max: percent ? 100 : undefined,
          ticks: { precision: 0,
            callback: percent ? (v) => `${v}%` : undefined } },
        y: { grid: { display: false } },
      },
      plugins: { legend: { display: false } },
    },
  });
}

// Vertical grouped bars: labels and series [{label, data}].
export function groupedBars(labels, series, summary, { percent = false,
  height = 240 } = {}) {
  const { box, canvas } = canvasBox(summary, height);
  return mount(box, canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: series.map((s, i) => ({ label: s.label, data: s.data,
        backgroundColor: COLORS[s.color ?? i], borderRadius: 4,
        maxBarThickness: 40 })),
    },
    options: {
      responsive: true, maintainAspectRatio: false,
      scales: {
        x: { grid: { display: false } },
        y: { beginAtZero: true, grid, max: percent ? 100 : undefined,
          ticks: { precision: 0,
            callback: percent ? (v) => `${v}%` : undefined } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

function shorten(text) {
  const s = String(text).replace(/^https?:\/\//, '');
  return s.length > 42 ? `${s.slice(0, 40)}…` : s;
}
