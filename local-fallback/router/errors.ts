/** Base class of every error the health router throws. */
export class RouterError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One invalid configuration value: where it is and what is wrong with it. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Thrown when the router configuration is invalid. It lists every problem at once, so one run
 * shows everything to fix.
 */
export class RouterConfigInvalidError extends RouterError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options?: ErrorOptions) {
    const lines = problems.map((problem) => `  - ${problem.path}: ${problem.message}`);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`Invalid router configuration (${count}):\n${lines.join('\n')}`, options);
    this.problems = problems;
  }
}

/** Thrown by `listen()` when the router is already listening or has been closed. */
export class RouterStateError extends RouterError {}
