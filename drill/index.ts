export { runDrill } from './engine.js';
export type { DrillObserver, DrillStage, RunSettings } from './engine.js';
export { createDrillCommand, createHappyProgram, drillCommand } from './cli.js';
export {
  DEFAULTS,
  DEPENDENCIES,
  FAULTS,
  TARGETS,
  staticUnavailability,
  validateDrillOptions,
} from './options.js';
export type {
  DependencyName,
  DrillOptions,
  FaultName,
  RawDrillOptions,
  RemoteOptions,
  TargetName,
} from './options.js';
export {
  DrillError,
  DrillOptionsError,
  DrillTargetError,
  FaultError,
  FaultNotAvailableError,
  WorkloadError,
} from './errors.js';
export { UndoJournal, undoPending, JOURNAL_FILE } from './journal.js';
export type { JournalEntry, PendingEntry, UndoResult } from './journal.js';
export { replayJournal, createUndoers } from './undo.js';
export { exitCodeOf } from './report/assemble.js';
export { renderHtml } from './report/html.js';
export { renderSummary } from './report/summary.js';
export type { DrillReport, PhaseReport, PromiseCheck } from './report/types.js';
