import { EventEmitter } from 'node:events';

import type { RouterEvent, RouterEventType } from './types.js';

// Each open `GET /router/events` stream adds one listener.
const MAX_LISTENERS = 1000;

/**
 * Emitter of {@link RouterEvent}s. Every event is emitted twice: under its `type` (for example
 * `flip`) and under `event`, which receives all of them.
 */
export class RouterEvents extends EventEmitter {
  constructor() {
    super();
    this.setMaxListeners(MAX_LISTENERS);
  }

  /** Emits an event under its type and under `event`. */
  publish(event: RouterEvent): void {
    this.emit(event.type, event);
    this.emit('event', event);
  }

  /** Adds a listener for every event and returns a function that removes it. */
  subscribe(listener: (event: RouterEvent) => void): () => void {
    this.on('event', listener);
    return () => this.off('event', listener);
  }

  /** Adds a listener for events of one type and returns a function that removes it. */
  subscribeTo<T extends RouterEventType>(
    type: T,
    listener: (event: Extract<RouterEvent, { type: T }>) => void,
  ): () => void {
    const untyped = listener as (event: RouterEvent) => void;
    this.on(type, untyped);
    return () => this.off(type, untyped);
  }
}
