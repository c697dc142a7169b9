import { randomUUID } from 'node:crypto';

import { z } from 'zod';

import type { TargetRole } from './types.js';

/**
 * Body of `POST /router/faults`. Unknown fields are rejected; `latency_ms` is required for, and
 * only allowed with, `latency`, and `error_rate` only with `error`.
 */
export const faultRequestSchema = z
  .strictObject({
    target: z.enum(['primary', 'secondary']),
    fault: z.enum(['down', 'refuse', 'latency', 'error', 'hang']),
    latency_ms: z.int().min(1).max(600_000).optional(),
    error_rate: z.number().min(0).max(1).optional(),
    duration_s: z.number().positive().max(86_400).optional(),
  })
  .superRefine((request, context) => {
    if (request.fault === 'latency' && request.latency_ms === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['latency_ms'],
        message: 'is required for latency',
      });
    }
    if (request.fault !== 'latency' && request.latency_ms !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['latency_ms'],
        message: 'is only valid for latency',
      });
    }
    if (request.fault !== 'error' && request.error_rate !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['error_rate'],
        message: 'is only valid for error',
      });
    }
  });

/** Validated body of `POST /router/faults`. */
export type FaultRequest = z.output<typeof faultRequestSchema>;

/** An active fault, as listed by the admin API. */
export interface Fault extends FaultRequest {
  readonly id: string;
  readonly created_at: string;
  readonly expires_at?: string;
}

/**
 * Effect of the active faults on one request or health check of a target. `refuse` acts like
 * a refused connection, `hang` like a target that never responds, `error` like a target that
 * responds with 503, and `delay` adds latency before the request goes out.
 */
export type FaultDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'refuse'; readonly faultId: string }
  | { readonly kind: 'hang'; readonly faultId: string }
  | { readonly kind: 'error'; readonly faultId: string; readonly status: number }
  | { readonly kind: 'delay'; readonly faultId: string; readonly ms: number };

/** Event emitted when a fault starts or ends. */
export interface FaultEvent {
  readonly action: 'added' | 'removed' | 'expired';
  readonly fault: Fault;
}

const NO_FAULT: FaultDecision = { kind: 'none' };

/** Status code of responses produced by an `error` fault: the target is unavailable. */
export const FAULT_ERROR_STATUS = 503;

/**
 * Active injected faults per target. Traffic and health checks both ask {@link decide} before
 * they reach a target, so a fault looks to the router like a real outage.
 */
export class FaultInjector {
  readonly #faults = new Map<string, { fault: Fault; timer?: NodeJS.Timeout }>();
  readonly #listeners = new Set<(event: FaultEvent) => void>();
  readonly #random: () => number;

  /** @param random source of numbers in [0, 1) for `error_rate`. @default Math.random */
  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Adds a listener for fault events and returns a function that removes it. */
  onEvent(listener: (event: FaultEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts a fault; it ends after `duration_s` when given, else on {@link remove}. */
  add(request: FaultRequest, now: number = Date.now()): Fault {
    const id = randomUUID();
    const expiresAt =
      request.duration_s === undefined ? undefined : now + request.duration_s * 1000;
    const fault: Fault = {
      ...request,
      id,
      created_at: new Date(now).toISOString(),
      ...(expiresAt === undefined ? {} : { expires_at: new Date(expiresAt).toISOString() }),
    };

    const timer =
      expiresAt === undefined
        ? undefined
        : setTimeout(() => this.#end(id, 'expired'), expiresAt - now);
    timer?.unref();
    this.#faults.set(id, { fault, timer });
    this.#emit({ action: 'added', fault });
    return fault;
  }

  /** Ends a fault; returns false when no fault has this id. */
  remove(id: string): boolean {
    return this.#end(id, 'removed');
  }

  /** Active faults, oldest first. */
  list(role?: TargetRole): Fault[] {
    const faults = [...this.#faults.values()].map((entry) => entry.fault);
    return role === undefined ? faults : faults.filter((fault) => fault.target === role);
  }

  /**
   * Decides what the active faults of a target do to the next request. A refused connection
   * wins over a hang, a hang over an error, and latencies of several faults add up.
   */
  decide(role: TargetRole): FaultDecision {
    // Every request calls this and almost always no fault is active, so skip building lists.
    if (this.#faults.size === 0) {
      return NO_FAULT;
    }
    const faults = this.list(role);
    const downFault = faults.find((fault) => fault.fault === 'down' || fault.fault === 'refuse');
    if (downFault !== undefined) {
      return { kind: 'refuse', faultId: downFault.id };
    }
    const hanging = faults.find((fault) => fault.fault === 'hang');
    if (hanging !== undefined) {
      return { kind: 'hang', faultId: hanging.id };
    }
    const failing = faults.find(
      (fault) => fault.fault === 'error' && this.#random() < (fault.error_rate ?? 1),
    );
    if (failing !== undefined) {
      return { kind: 'error', faultId: failing.id, status: FAULT_ERROR_STATUS };
    }
    const slow = faults.filter((fault) => fault.fault === 'latency');
    const ms = slow.reduce((sum, fault) => sum + (fault.latency_ms ?? 0), 0);
    const first = slow[0];
    return first === undefined ? { kind: 'none' } : { kind: 'delay', faultId: first.id, ms };
  }

  /** Ends every fault without emitting events; used on router close. */
  clear(): void {
    for (const entry of this.#faults.values()) {
      clearTimeout(entry.timer);
    }
    this.#faults.clear();
  }

  #end(id: string, action: 'removed' | 'expired'): boolean {
    const entry = this.#faults.get(id);
    if (entry === undefined) {
      return false;
    }

    clearTimeout(entry.timer);
    this.#faults.delete(id);
    this.#emit({ action, fault: entry.fault });
    return true;
  }

  #emit(event: FaultEvent): void {
    for (const listener of this.#listeners) {
      listener(event);
    }
  }
}
