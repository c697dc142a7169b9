import type {
  FileContent,
  FilePutResult,
  FileStore,
  LeasedTaskMessage,
  Page,
  StoredFile,
  TaskQueue,
} from '../ports/index.js';

/**
 * Stand-ins for the task queue and the file store of a function whose environment names no
 * queue or bucket. Its handlers never call them. A call means that the stack wired a route to
 * the wrong function, so it fails with an error that names the missing variable.
 */

/** Thrown by a stand-in: this function was deployed without the resource. */
export class ResourceNotConfiguredError extends Error {
  constructor(resource: string, variable: string) {
    super(`This function has no ${resource}: ${variable} is not set in its environment.`);
    this.name = 'ResourceNotConfiguredError';
  }
}

/** Task queue of a function without `TASK_QUEUE_URL`; every call throws. */
export class UnconfiguredTaskQueue implements TaskQueue {
  private fail(): never {
    throw new ResourceNotConfiguredError('task queue', 'TASK_QUEUE_URL');
  }

  async enqueue(): Promise<void> {
    this.fail();
  }

  async receive(): Promise<LeasedTaskMessage[]> {
    this.fail();
  }

  async complete(): Promise<boolean> {
    this.fail();
  }

  async release(): Promise<boolean> {
    this.fail();
  }

  async extendLease(): Promise<boolean> {
    this.fail();
  }

  async cancel(): Promise<void> {
    this.fail();
  }
}

/** File store of a function without `FILES_BUCKET`; every call throws. */
export class UnconfiguredFileStore implements FileStore {
  private fail(): never {
    throw new ResourceNotConfiguredError('files bucket', 'FILES_BUCKET');
  }

  async put(): Promise<FilePutResult> {
    this.fail();
  }

  async get(): Promise<FileContent | null> {
    this.fail();
  }

  async head(): Promise<StoredFile | null> {
    this.fail();
  }

  async list(): Promise<Page<StoredFile>> {
    this.fail();
  }
}
