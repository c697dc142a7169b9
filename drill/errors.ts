/** Base class of every error the drill throws. */
export class DrillError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Thrown when the drill options are invalid. It lists every problem at once, so one run shows
 * everything to fix.
 */
export class DrillOptionsError extends DrillError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((problem) => `  - ${problem}`);
    super(`Invalid drill options (${count}):\n${lines.join('\n')}`);
    this.problems = problems;
  }
}

/** Thrown when a workload file cannot be read or is not in the LoCoMo format. */
export class WorkloadError extends DrillError {}

/** Thrown when a fault cannot be injected on the chosen target. */
export class FaultNotAvailableError extends DrillError {}

/** Thrown when injecting or clearing a fault fails. */
export class FaultError extends DrillError {}

/** Thrown when the target cannot be started, reached or prepared for the drill. */
export class DrillTargetError extends DrillError {}
