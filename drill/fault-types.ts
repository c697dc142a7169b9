import type { DependencyName, FaultName } from './options.js';

/** A fault in place, until {@link clear} removes it. */
export interface ActiveFault {
  /** Description of the change, for the report. */
  readonly description: string;
  /** Removes the fault and marks its journal entries undone; resolves when it is removed. */
  clear(): Promise<void>;
}

/** Starts one kind of fault on the drill's target. */
export interface FaultDriver {
  readonly name: FaultName;
  /**
   * True when the fault takes the primary out of service, so the router must fail over and the
   * detection and recovery promises apply. Faults that only degrade the primary leave it serving.
   */
  readonly expectsFailover: boolean;
  /** Starts the fault, recording what to undo in the journal first. */
  inject(): Promise<ActiveFault>;
}

/**
 * Faults of single dependencies of the cloud path. Every target provides one, so the drill calls
 * all of them the same way. A target that cannot fault a dependency returns the reason.
 */
export interface DependencyFaults {
  /** Returns why `dependency` cannot be faulted on this target, or null when it can. */
  unavailableReason(dependency: DependencyName): Promise<string | null>;
  /**
   * Starts the fault of `dependency`.
   *
   * @throws {FaultNotAvailableError} when {@link unavailableReason} returns a reason.
   */
  inject(dependency: DependencyName): Promise<ActiveFault>;
  /** Returns the state of the dependencies after the drill, such as the OpenSearch domain's. */
  describe(): Promise<Record<string, unknown>>;
}
