import { describe, expect, it } from 'vitest';
import { readEdgeSettings } from '../../local-fallback/server/settings.js';
import { readTaskFileSettings } from '../../local-fallback/worker/settings.js';

describe('readTaskFileSettings', () => {
  it('applies the defaults', () => {
    expect(readTaskFileSettings({}, {})).toEqual({
      settings: { tasks: {}, maxFileBytes: 1024 * 1024 },
    });
  });

  it('reads flags before the environment', () => {
    const result = readTaskFileSettings(
      { 'task-workers': '8', 'http-task-allow': '127.0.0.1:9000' },
      { HAPPY_TASK_WORKERS: '2', HAPPY_HTTP_TASK_ALLOW: 'other', HAPPY_MAX_FILE_BYTES: '2048' },
    );
    expect(result).toEqual({
      settings: {
        tasks: { workers: 8, httpAllowedHosts: ['127.0.0.1:9000'] },
        maxFileBytes: 2048,
      },
    });
  });

  it('reads the task settings of the environment', () => {
    const result = readTaskFileSettings(
      {},
      {
        HAPPY_TASK_TIMEOUTS: 'echo=3000, http=10000',
        HAPPY_HTTP_TASK_ALLOW: 'a.test, b.test:8080,',
        HAPPY_TASK_MAX_UNFINISHED: '7',
        HAPPY_TASK_MAX_RUNNING: '3',
        HAPPY_HTTP_TASK_MAX_RESPONSE_BYTES: '1000',
      },
    );
    expect(result).toEqual({
      settings: {
        tasks: {
          timeouts: { echo: 3000, http: 10_000 },
          httpAllowedHosts: ['a.test', 'b.test:8080'],
          maxUnfinishedPerAgent: 7,
          maxRunningPerAgent: 3,
          httpMaxResponseBytes: 1000,
        },
        maxFileBytes: 1024 * 1024,
      },
    });
  });

  it.each([
    [{ HAPPY_TASK_TIMEOUTS: 'echo' }, 'timeouts'],
    [{ HAPPY_TASK_TIMEOUTS: 'echo=0' }, 'timeouts'],
    [{ HAPPY_TASK_WORKERS: '0' }, 'workers'],
    [{ HAPPY_MAX_FILE_BYTES: String(11 * 1024 * 1024) }, 'maxFileBytes'],
  ])('rejects %j', (env, setting) => {
    const result = readTaskFileSettings({}, env);
    expect(result).toHaveProperty('problems');
    expect(JSON.stringify(result)).toContain(setting);
  });
});

describe('readEdgeSettings', () => {
  it('lists task setting problems with the others', () => {
    const env = { HAPPY_ADMIN_TOKEN: 'a'.repeat(20), HAPPY_TASK_WORKERS: 'many' };
    expect(() => readEdgeSettings(['--port', 'x'], env)).toThrow(/port[\s\S]*workers/);
  });

  it('takes the task flags', () => {
    const env = { HAPPY_ADMIN_TOKEN: 'a'.repeat(20) };
    const settings = readEdgeSettings(['--task-workers', '2', '--max-file-bytes', '100'], env);
    expect(settings.tasks.workers).toBe(2);
    expect(settings.maxFileBytes).toBe(100);
  });
});
