import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { drillCommand, type CommandIo } from '../../drill/cli.js';
import { runDrill } from '../../drill/engine.js';
import { UndoJournal } from '../../drill/journal.js';
import { validateDrillOptions } from '../../drill/options.js';
import type { DrillReport } from '../../drill/report/types.js';
import { LOCOMO_DIR, locomoSkipReason, removeTempDirs, tempDir } from './support.js';

const reportDir = () => tempDir('report');
afterAll(removeTempDirs);

describe.skipIf(locomoSkipReason() !== null)(
  `drill on the local topology with LoCoMo ${locomoSkipReason() ?? ''}`.trim(),
  () => {
    let report: DrillReport;
    const dir = reportDir();

    it('runs a crash of the cloud process on one conversation', async () => {
      const options = validateDrillOptions({
        workload: LOCOMO_DIR,
        agents: '2',
        fault: 'primary-crash',
        warmup: '4s',
        outage: '4s',
        recovery: '8s',
        rate: '20',
        report: dir,
      });

      report = await runDrill(options, { maxTurnsPerConversation: 150 });

      expect(report.aborted).toBe(false);
      expect(report.errors).toEqual([]);
    }, 90_000);

    it('loses no acknowledged write', () => {
      expect(report.writes.checked).toBe(true);
      expect(report.writes.acknowledged).toBeGreaterThan(150);
      expect(report.writes.lost).toBe(0);
      expect(report.writes.unverified).toBe(0);
    });

    it('shows no error to safe requests during the outage', () => {
      expect(report.phases.outage.safe_requests).toBeGreaterThan(0);
      expect(report.phases.outage.safe_errors).toBe(0);
    });

    it('serves the outage from the edge', () => {
      expect(report.phases.outage.served_by.edge).toBeGreaterThan(0);
      expect(report.phases.outage.served_by.cloud).toBe(0);
    });

    it('detects the crash in under a second', () => {
      expect(report.failover.detection_ms).not.toBeNull();
      expect(report.failover.detection_ms).toBeLessThan(1000);
    });

    it('keeps recall during the outage at least as before', () => {
      expect(report.recall.questions).toBeGreaterThan(0);
      // Equal when both paths search with SQLite FTS5. With the stand-in on OpenSearch, the two
      // BM25 engines rank some questions differently, so the promise is that none gets worse.
      expect(report.recall.during.at5).toBeGreaterThanOrEqual(report.recall.before.at5 ?? 1);
      expect(report.recall.during.at10).toBeGreaterThanOrEqual(report.recall.before.at10 ?? 1);
      expect(report.recall.worse).toEqual([]);
    });

    it('writes both report files and restores everything', () => {
      const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

      expect(json.phases.outage.recall).toEqual(report.phases.outage.recall);
      expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
      expect(new UndoJournal(dir).pending()).toEqual([]);
    });
  },
);

const enginesMissing = !process.env.OPENSEARCH_URL || !process.env.MOTO_URL;

describe.skipIf(enginesMissing)(
  enginesMissing
    ? 'OpenSearch outage drill needs OPENSEARCH_URL and MOTO_URL (start: scripts/services/all.sh start)'
    : 'OpenSearch outage drill on the cloud adapters',
  () => {
    it('fails over when the stand-in loses OpenSearch', async () => {
      const options = validateDrillOptions({
        fault: 'opensearch',
        agents: '2',
        warmup: '3s',
        outage: '4s',
        recovery: '6s',
        rate: '20',
        report: reportDir(),
      });

      const report = await runDrill(options);

      expect(report.aborted).toBe(false);
      expect(report.errors).toEqual([]);
      expect(report.writes.lost).toBe(0);
      expect(report.phases.outage.safe_errors).toBe(0);
      expect(report.phases.outage.served_by.edge).toBeGreaterThan(0);
      expect(report.failover.detection_ms).toBeLessThan(1000);
    }, 90_000);
  },
);

describe('interrupted drill', () => {
  it('stops in the outage and restores everything', async () => {
    const dir = reportDir();
    const options = validateDrillOptions({
      warmup: '2s',
      outage: '20s',
      recovery: '2s',
      agents: '2',
      report: dir,
    });
    const controller = new AbortController();
    let abortedAt = Number.NaN;
    const observer = {
      stage: (stage: string) => {
        if (stage !== 'outage') return;
        setTimeout(() => {
          abortedAt = performance.now();
          controller.abort();
        }, 1000);
      },
    };

    const report = await runDrill(options, { observer, signal: controller.signal });

    // The outage phase would last 20 s; the drill must stop and clean up well before that.
    expect(performance.now() - abortedAt).toBeLessThan(10_000);
    expect(report.aborted).toBe(true);
    expect(report.writes.checked).toBe(false);
    expect(report.phases.outage.requests).toBeGreaterThan(0);
    expect(new UndoJournal(dir).pending()).toEqual([]);
    const home = readFileSync(join(dir, 'undo-journal.jsonl'), 'utf8').match(
      /"home":"([^"]+)"/,
    )?.[1];
    expect(home).toBeDefined();
    expect(existsSync(home as string)).toBe(false);
  }, 60_000);
});

describe('drill command', () => {
  function capture(): CommandIo & { text: () => string } {
    let text = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    }) as unknown as NodeJS.WriteStream;
    return { stdout: stream, stderr: stream, text: () => text };
  }

  it('rejects a dependency fault on the local target with exit status 2', async () => {
    const io = capture();

    const code = await drillCommand({ fault: 'lambda', rate: '0', report: reportDir() }, io);

    expect(code).toBe(2);
    expect(io.text()).toContain('Invalid drill options (2 problems)');
    expect(io.text()).toContain('--rate "0" is invalid');
    expect(io.text()).toContain('--fault lambda is not available on --target local');
  });
});
