import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { assembleReport, exitCodeOf } from '../../drill/report/assemble.js';
import { renderHtml } from '../../drill/report/html.js';
import { renderSummary } from '../../drill/report/summary.js';
import { FAILOVER, WRITES, healthySamples, record, sample } from './fixtures.js';

describe('report assembly', () => {
  it('keeps every promise of a clean drill', () => {
    const report = assembleReport(record(healthySamples()));

    expect(report.promises.map((promise) => [promise.name, promise.kept])).toEqual([
      ['no_lost_writes', true],
      ['keyed_writes_applied_once', true],
      ['no_safe_errors_during_failover', true],
      ['detection_under_1s', true],
      ['recovery_under_5s', true],
      ['recall_kept_during_outage', true],
    ]);
    expect(exitCodeOf(report)).toBe(0);
  });

  it('summarizes each phase', () => {
    const report = assembleReport(record(healthySamples()));
    const outage = report.phases.outage;

    expect(outage.requests).toBe(10);
    expect(outage.safe_requests).toBe(7);
    expect(outage.unsafe_requests).toBe(3);
    expect(outage.served_by).toEqual({ cloud: 0, edge: 10, router: 0, none: 0 });
    expect(outage.recall).toEqual({ at5: 1, at10: 1, searches: 4, questions: 2 });
    expect(report.functionality['memory.write']).toEqual({ requests: 3, succeeded: 3, ratio: 1 });
  });

  it('breaks the safe-error promise on one failed GET during the outage', () => {
    const samples = [...healthySamples(), sample({ at: 4000, phase: 'outage', status: 502 })];
    const report = assembleReport(record(samples));

    expect(report.phases.outage.safe_errors).toBe(1);
    expect(report.promises.find((p) => p.name === 'no_safe_errors_during_failover')?.kept).toBe(
      false,
    );
    expect(exitCodeOf(report)).toBe(1);
  });

  it('lets unsafe errors pass the safe-error promise', () => {
    const failedWrite = sample({ at: 4000, phase: 'outage', op: 'memory.write', status: 502 });
    const report = assembleReport(record([...healthySamples(), failedWrite]));

    expect(report.phases.outage.unsafe_errors).toBe(1);
    expect(report.promises.find((p) => p.name === 'no_safe_errors_during_failover')?.kept).toBe(
      true,
    );
  });

  it('breaks the recall promise when a question does worse during the outage', () => {
    const samples = healthySamples().map((s) =>
      s.phase === 'outage' && s.question === 1 ? { ...s, at5: 0 } : s,
    );
    const report = assembleReport(record(samples));

    expect(report.recall.worse).toEqual([1]);
    expect(report.promises.find((p) => p.name === 'recall_kept_during_outage')?.kept).toBe(false);
  });

  it.each([
    ['lost writes', { writes: { ...WRITES, lost: 1 } }, 'no_lost_writes'],
    ['unverified writes', { writes: { ...WRITES, unverified: 2 } }, 'no_lost_writes'],
    ['duplicated writes', { writes: { ...WRITES, duplicated: 1 } }, 'keyed_writes_applied_once'],
    ['slow detection', { failover: { ...FAILOVER, detection_ms: 1000 } }, 'detection_under_1s'],
    ['no detection', { failover: { ...FAILOVER, detection_ms: null } }, 'detection_under_1s'],
    ['no recovery', { failover: { ...FAILOVER, recovery_ms: null } }, 'recovery_under_5s'],
  ])('breaks a promise on %s', (_case, overrides, name) => {
    const report = assembleReport(record(healthySamples(), overrides));

    expect(report.promises.find((p) => p.name === name)?.kept).toBe(false);
  });

  it('does not judge keyed writes without one', () => {
    const writes = { ...WRITES, keyed_records_checked: 0 };
    const report = assembleReport(record(healthySamples(), { writes }));

    expect(report.promises.find((p) => p.name === 'keyed_writes_applied_once')?.kept).toBeNull();
  });

  it('does not apply detection and recovery when no failover is expected', () => {
    const failover = { ...FAILOVER, expected: false, detection_ms: null, recovery_ms: null };
    const report = assembleReport(record(healthySamples(), { failover }));

    expect(report.promises.filter((p) => p.kept === null).map((p) => p.name)).toEqual([
      'detection_under_1s',
      'recovery_under_5s',
    ]);
    expect(exitCodeOf(report)).toBe(0);
  });

  it('does not judge recovery of a fault never cleared', () => {
    const failover = { ...FAILOVER, fault_cleared_ms: null, recovery_ms: null };
    const report = assembleReport(record(healthySamples(), { failover }));

    expect(report.promises.find((p) => p.name === 'recovery_under_5s')?.kept).toBeNull();
    expect(report.promises.find((p) => p.name === 'detection_under_1s')?.kept).toBe(true);
  });

  it('exits with 130 when interrupted', () => {
    expect(exitCodeOf(assembleReport(record(healthySamples(), { aborted: true })))).toBe(130);
  });

  it('fails on errors of the drill itself', () => {
    const report = assembleReport(
      record(healthySamples(), { errors: ['Clearing the fault failed'] }),
    );

    expect(exitCodeOf(report)).toBe(1);
  });
});

describe('report rendering', () => {
  const chartJs = 'globalThis.Chart = function Chart() {};';

  it('writes a page that loads nothing from the network', () => {
    const html = renderHtml(assembleReport(record(healthySamples())));

    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).toMatch(/<canvas id="latency">/);
    expect(html).toMatch(/<canvas id="served">/);
    expect(html).toMatch(/<canvas id="errors">/);
  });

  it('inlines Chart.js from node_modules', () => {
    const html = renderHtml(assembleReport(record(healthySamples())));

    expect(html).toContain('Chart.js v4');
  });

  it('escapes text from the drill in tables and data', () => {
    const errors = ['</script><script>alert(1)</script> & more'];
    const html = renderHtml(assembleReport(record(healthySamples(), { errors })), chartJs);

    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&#60;/script&#62;&#60;script&#62;alert(1)');
  });

  it('draws three charts with the outage band from the embedded data', () => {
    const html = renderHtml(assembleReport(record(healthySamples())), chartJs);
    const scripts = [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
    const charts: { id: string; config: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    const context = vm.createContext({
      Chart: function Chart(element: { id: string }, config: unknown) {
        charts.push({ id: element.id, config });
      },
      document: {
        getElementById: (id: string) =>
          id === 'drill-data' ? { textContent: scripts[0] } : { id },
      },
    });

    vm.runInContext(scripts[2] ?? '', context);

    expect(charts.map((chart) => chart.id)).toEqual(['latency', 'served', 'errors']);
    expect(charts[0]?.config.options.plugins.bands.list[0]).toEqual([3, 6, 'rgba(198,40,40,.14)']);
    const served = charts[1]?.config.data.datasets;
    expect(served.find((set: { label: string }) => set.label === 'edge').data.slice(3, 6)).toEqual([
      4, 3, 3,
    ]);
  });

  it('prints a summary with the phases and the promises', () => {
    const summary = renderSummary(assembleReport(record(healthySamples())));

    expect(summary).toMatch(/│ outage +│ 10 +│ 0 +│ 0 /);
    expect(summary).toMatch(/│ detection_under_1s +│ kept +│ 40 ms/);
    expect(summary).toContain(
      'writes: 12 acknowledged, 0 lost, 0 duplicated, read back from http://127.0.0.1:1',
    );
  });
});
