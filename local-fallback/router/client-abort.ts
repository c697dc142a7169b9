/**
 * Marks that the client closed its connection before its response was complete. It is a
 * lighter stand-in for an AbortController on the hot path: most requests never abort, and an
 * AbortController with its listeners costs more per request than the rest of the bookkeeping.
 */
export class ClientAbort {
  #aborted = false;
  readonly #listeners = new Set<() => void>();
  #controller: AbortController | undefined;

  /** True once the client has gone away. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** An AbortSignal that follows this abort, for APIs that take one; created on first use. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) {
        this.#controller.abort();
      }
    }
    return this.#controller.signal;
  }

  /** Adds a listener called once on abort and returns a function that removes it. */
  onAbort(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Marks the abort and calls the listeners; later calls do nothing. */
  abort(): void {
    if (this.#aborted) {
      return;
    }
    this.#aborted = true;
    this.#controller?.abort();
    for (const listener of this.#listeners) {
      listener();
    }
    this.#listeners.clear();
  }
}
