import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { formatMs } from '../durations.js';
import { OPERATIONS, PHASES } from '../traffic.js';
import { verdictOf } from './build.js';
import type { DrillReport } from './types.js';

/**
 * Renders the report as one self-contained HTML page: the tables, and charts of latency over
 * time with the outage shaded, of which target served each second, and of errors per second.
 * Chart.js is inlined from node_modules, so the page needs no network.
 */
export function renderHtml(report: DrillReport, chartJs: string = loadChartJs()): string {
  const title = `Happy OS drill: ${report.fault} on ${report.target}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(report.started_at)} to ${escapeHtml(report.finished_at)}${report.aborted ? ' <strong>(interrupted)</strong>' : ''}.
Fault: ${escapeHtml(report.fault_description ?? 'not injected')}.</p>
${promisesTable(report)}
<h2>Latency over time</h2>
<p>Each dot is one request, by the time it was sent; the shaded band is the outage, the lighter one the recovery.</p>
<div class="chart"><canvas id="latency"></canvas></div>
<h2>Served by, per second</h2>
<div class="chart"><canvas id="served"></canvas></div>
<h2>Errors per second</h2>
<div class="chart"><canvas id="errors"></canvas></div>
${phasesTable(report)}
${failoverTable(report)}
${writesTable(report)}
${functionalityTable(report)}
${workloadTable(report)}
${eventsTable(report)}
${report.errors.length > 0 ? `<h2>Drill errors</h2><ul>${report.errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>` : ''}
<script type="application/json" id="drill-data">${jsonForScript(chartData(report))}</script>
<script>${chartJs.replace(/<\/script/gi, '<\\/script')}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}

/** Reads Chart.js's UMD build from node_modules. */
export function loadChartJs(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function jsonForScript(value: unknown): string {
  // `<` as an escape keeps `</script>` or `<!--` in any string from ending the element.
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function chartData(report: DrillReport) {
  const { samples, phases, failover } = report;
  const origin = phases.warmup.start_ms;
  return {
    origin,
    seconds: Math.ceil((phases.recovery.end_ms - origin) / 1000),
    outage: [phases.outage.start_ms - origin, phases.outage.end_ms - origin],
    recovery: [phases.recovery.start_ms - origin, phases.recovery.end_ms - origin],
    detection: failover.detection_ms,
    samples,
  };
}

function table(title: string, head: string[], rows: (string | number)[][]): string {
  const th = head.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<h2>${escapeHtml(title)}</h2>\n<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function promisesTable(report: DrillReport): string {
  const rows = report.promises.map((p) => [p.name, verdictOf(p.kept), p.measured, p.limit]);
  return table('Promises', ['promise', 'verdict', 'measured', 'limit'], rows);
}

function phasesTable(report: DrillReport): string {
  const rows = PHASES.map((name) => {
    const p = report.phases[name];
    const recall = (value: number | null) => (value === null ? 'n/a' : value.toFixed(3));
    return [
      name,
      p.requests,
      `${p.safe_errors} / ${p.safe_requests}`,
      `${p.unsafe_errors} / ${p.unsafe_requests}`,
      `${p.latency_ms.p50 ?? 'n/a'} / ${p.latency_ms.p95 ?? 'n/a'} / ${p.latency_ms.p99 ?? 'n/a'}`,
      `${p.served_by.cloud} / ${p.served_by.edge} / ${p.served_by.router + p.served_by.none}`,
      p.failover_retries,
      `${recall(p.recall.at5)} / ${recall(p.recall.at10)}`,
    ];
  });
  const head = ['phase', 'requests', 'safe errors', 'unsafe errors', 'p50/p95/p99 ms'];
  return table('Phases', [...head, 'cloud/edge/other', 'retried', 'recall@5/@10'], rows);
}

function failoverTable(report: DrillReport): string {
  const f = report.failover;
  const rows: [string, string][] = [
    ['failover expected', String(f.expected)],
    ['detection', `${formatMs(f.detection_ms)} (by ${f.detected_by ?? 'n/a'})`],
    ["router's own detection", formatMs(f.router_detection_ms)],
    ['recovery', formatMs(f.recovery_ms)],
    ['flips', String(f.flips)],
  ];
  return table('Failover', ['measure', 'value'], rows);
}

function writesTable(report: DrillReport): string {
  const w = report.writes;
  const rows: [string, string | number][] = [
    ['acknowledged', w.acknowledged],
    ['lost', w.checked ? w.lost : 'not checked'],
    ['unverified', w.unverified],
    ['duplicated (keyed POST held twice)', w.checked ? w.duplicated : 'not checked'],
    ['records read back', w.records_checked],
    ['read from', w.read_from],
  ];
  return table('Writes', ['measure', 'value'], rows);
}

function functionalityTable(report: DrillReport): string {
  const rows = OPERATIONS.map((op) => {
    const c = report.functionality[op];
    return [
      op,
      c.requests,
      c.succeeded,
      c.ratio === null ? 'n/a' : `${(c.ratio * 100).toFixed(1)}%`,
    ];
  });
  return table(
    'Functionality during the outage',
    ['operation', 'requests', 'succeeded', 'kept'],
    rows,
  );
}

function workloadTable(report: DrillReport): string {
  const w = report.workload;
  const s = report.settings;
  const rows: [string, string | number][] = [
    ['workload', `${w.kind}: ${w.source}`],
    ['agents / turns / questions', `${w.agents} / ${w.turns} / ${w.questions}`],
    [
      'questions left out',
      Object.entries(w.skipped)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none',
    ],
    ['phases', `${formatMs(s.warmup_ms)} / ${formatMs(s.outage_ms)} / ${formatMs(s.recovery_ms)}`],
    ['rate', `${s.rate} requests per second`],
  ];
  return table('Workload and settings', ['setting', 'value'], rows);
}

function eventsTable(report: DrillReport): string {
  const origin = report.phases.warmup.start_ms;
  const rows = report.events.map((e) => [
    `${((e.at_ms - origin) / 1000).toFixed(2)} s`,
    e.type,
    e.detail,
  ]);
  return table('Router events', ['time', 'type', 'detail'], rows);
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d1d1f}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
th{background:#f2f2f2}.chart{position:relative;height:300px}h2{margin-top:2rem}`;

// Runs in the browser: reads the embedded data and draws the three charts.
const CHART_SCRIPT = `(() => {
const d = JSON.parse(document.getElementById('drill-data').textContent);
const s = d.samples, n = s.at_ms.length, sec = (ms) => (ms - d.origin) / 1000;
const colors = { cloud: '#2f6fdb', edge: '#e8871e', router: '#c62828', none: '#7b1fa2' };
const bands = { id: 'bands', beforeDatasetsDraw(chart, _a, o) {
  const { ctx, chartArea: a, scales: { x } } = chart;
  for (const [from, to, color] of o.list) {
    const x0 = x.getPixelForValue(from), x1 = x.getPixelForValue(to);
    ctx.save(); ctx.fillStyle = color; ctx.fillRect(x0, a.top, x1 - x0, a.bottom - a.top); ctx.restore();
  } } };
// Bars of second k are centred on k, so their bands move half a bar to the left.
const list = (shift) => [[d.outage[0] / 1000 + shift, d.outage[1] / 1000 + shift, 'rgba(198,40,40,.14)'],
  [d.recovery[0] / 1000 + shift, d.recovery[1] / 1000 + shift, 'rgba(46,125,50,.08)']];
const points = {};
for (let i = 0; i < n; i++) {
  const servedBy = s.served_by[i];
  (points[servedBy] ??= []).push({ x: sec(s.at_ms[i]), y: Math.max(s.latency_ms[i], 0.1) });
}
new Chart(document.getElementById('latency'), { type: 'scatter',
  data: { datasets: Object.entries(points).map(([k, v]) => ({ label: k, data: v, pointRadius: 2, backgroundColor: colors[k] })) },
  options: { maintainAspectRatio: false, animation: false, plugins: { bands: { list: list(0) } },
    scales: { x: { type: 'linear', title: { display: true, text: 's since warmup start' } },
      y: { type: 'logarithmic', title: { display: true, text: 'latency ms' } } } }, plugins: [bands] });
const perSecond = (test) => { const out = new Array(d.seconds + 1).fill(0);
  for (let i = 0; i < n; i++) if (test(i)) out[Math.max(0, Math.floor(sec(s.at_ms[i])))]++; return out; };
const labels = Array.from({ length: d.seconds + 1 }, (_, i) => i);
const bar = (id, sets) => new Chart(document.getElementById(id), { type: 'bar',
  data: { labels, datasets: sets.map(([label, color, test]) => ({ label, backgroundColor: color, data: perSecond(test) })) },
  options: { maintainAspectRatio: false, animation: false, plugins: { bands: { list: list(-0.5) } },
    scales: { x: { stacked: true, title: { display: true, text: 's since warmup start' } }, y: { stacked: true, beginAtZero: true } } },
  plugins: [bands] });
bar('served', Object.keys(colors).map((k) => [k, colors[k], (i) => s.served_by[i] === k]));
const failed = (i) => s.status[i] < 200 || s.status[i] > 299;
bar('errors', [['safe errors', '#c62828', (i) => failed(i) && s.safe[i]], ['unsafe errors', '#f9a825', (i) => failed(i) && !s.safe[i]]]);
})();`;
