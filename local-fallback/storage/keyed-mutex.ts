/**
 * Mutual exclusion per key within one process: calls of {@link run} with the same key run one
 * after another, in call order, and calls with different keys run concurrently.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `task` once every earlier task of `key` has settled, and returns its result. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let unlock!: () => void;
    const released = new Promise<void>((resolve) => (unlock = resolve));
    const tail = previous.then(() => released);
    this.tails.set(key, tail);

    await previous;
    try {
      return await task();
    } finally {
      unlock();
      // The last task of a key removes the entry, so the map holds only keys in use.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
