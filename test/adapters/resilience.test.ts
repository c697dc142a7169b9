import { setTimeout as sleep } from 'node:timers/promises';
import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import {
  AdapterConfigError,
  breakerReports,
  DependencyGuard,
  LocalCircuitBreaker,
  type DependencyGuardOptions,
} from '../../lambdas/adapters/index.js';
import { DependencyUnavailableError } from '../../lambdas/core/errors.js';
import { rejection } from './support/wait.js';

class Outage extends Error {}
class BadRequest extends Error {}

function guard(options: Partial<DependencyGuardOptions> = {}) {
  return new DependencyGuard('store', {
    timeoutMs: 200,
    retries: 2,
    retryInitialDelayMs: 1,
    retryMaxDelayMs: 2,
    failureThreshold: 3,
    halfOpenAfterMs: 100,
    isFailure: (error) => error instanceof Outage,
    ...options,
  });
}

/** A call that fails with `error` the first `failures` times, then returns 'ok'. */
function flaky(failures: number, error: Error = new Outage('down')) {
  let calls = 0;
  const call = async () => {
    calls += 1;
    if (calls <= failures) throw error;
    return 'ok';
  };
  return { call, calls: () => calls };
}

describe('DependencyGuard', () => {
  it('retries a repeatable call after a failure', async () => {
    const { call, calls } = flaky(2);

    expect(await guard().execute(call, { repeatable: true })).toBe('ok');
    expect(calls()).toBe(3);
  });

  it('runs a call that is not repeatable once', async () => {
    const { call, calls } = flaky(1);

    const error = await rejection(guard().execute(call, { repeatable: false }));

    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(calls()).toBe(1);
  });

  it('passes an error that is no failure through unchanged and unretried', async () => {
    const bad = new BadRequest('invalid');
    const { call, calls } = flaky(1, bad);

    const error = await rejection(guard().execute(call, { repeatable: true }));

    expect(error).toBe(bad);
    expect(calls()).toBe(1);
  });

  it('turns a timeout into a dependency error', async () => {
    const slow = () => sleep(1000).then(() => 'late');

    const error = await rejection(guard({ retries: 0 }).execute(slow, { repeatable: true }));

    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as Error).cause).toBeInstanceOf(TaskCancelledError);
  });

  it('aborts the signal of a call that times out', async () => {
    let aborted = false;
    const slow = (signal: AbortSignal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return sleep(1000).then(() => 'late');
    };

    await rejection(guard({ retries: 0 }).execute(slow, { repeatable: false }));

    expect(aborted).toBe(true);
  });

  it('opens after the threshold and then fails fast without calling', async () => {
    const subject = guard({ retries: 0 });
    const { call, calls } = flaky(100);
    for (let i = 0; i < 3; i += 1) await rejection(subject.execute(call, { repeatable: true }));

    const error = await rejection(subject.execute(call, { repeatable: true }));

    expect((error as Error).cause).toBeInstanceOf(BrokenCircuitError);
    expect(calls()).toBe(3);
    expect(subject.report()).toMatchObject({ name: 'store', state: 'open', failures: 3 });
  });

  it('does not count errors that are no failures', async () => {
    const subject = guard({ retries: 0 });
    const { call } = flaky(100, new BadRequest('invalid'));

    for (let i = 0; i < 5; i += 1) await rejection(subject.execute(call, { repeatable: true }));

    expect(subject.report().state).toBe('closed');
  });

  it.each([
    ['timeoutMs', { timeoutMs: 0 }],
    ['retries', { retries: -1 }],
    ['failureThreshold', { failureThreshold: 0 }],
    ['halfOpenAfterMs', { halfOpenAfterMs: 1.5 }],
  ])('rejects an invalid %s', (option, options) => {
    const create = () => guard(options);

    expect(create).toThrow(AdapterConfigError);
    expect(create).toThrow(`"${option}"`);
  });
});

describe('LocalCircuitBreaker', () => {
  const never = new AbortController().signal;

  function breaker() {
    return new LocalCircuitBreaker('cache', {
      failureThreshold: 2,
      halfOpenAfterMs: 50,
      isFailure: (error) => error instanceof Outage,
    });
  }

  it('closes after a test call succeeds once the pause is over', async () => {
    const subject = breaker();
    const { call } = flaky(2);
    for (let i = 0; i < 2; i += 1) await rejection(subject.execute(call, never));
    await sleep(60);

    expect(await subject.execute(call, never)).toBe('ok');
    expect(subject.report()).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('records when its state last changed', async () => {
    const subject = breaker();
    const { call } = flaky(2);

    for (let i = 0; i < 2; i += 1) await rejection(subject.execute(call, never));

    expect(Date.parse(subject.report().lastTransition ?? '')).not.toBeNaN();
  });

  it('closes at once on reset', async () => {
    const subject = breaker();
    const { call } = flaky(2);
    for (let i = 0; i < 2; i += 1) await rejection(subject.execute(call, never));

    subject.reset();

    expect(subject.state).toBe('closed');
    expect(await subject.execute(call, never)).toBe('ok');
  });
});

describe('breakerReports', () => {
  it('lists the state of every source', () => {
    const reports = breakerReports([guard(), guard({ failureThreshold: 1 })]);

    expect(reports().map((report) => report.state)).toEqual(['closed', 'closed']);
  });
});
