import type { LoggedChange } from '../ports/index.js';

/** Returns the version of the entity state a change carries, with or without file content. */
export function versionOfChange(change: LoggedChange): string {
  switch (change.kind) {
    case 'agent':
      return change.agent.version;
    case 'memory':
      return change.record.version;
    case 'document':
      return change.document.version;
    case 'task':
      return change.task.version;
    case 'file':
      return change.file.version;
  }
}

/** Returns the agent and the id (or file name) of the entity a change is about. */
export function entityOfChange(change: LoggedChange): { agentId: string; id: string } {
  switch (change.kind) {
    case 'agent':
      return { agentId: change.agent.agentId, id: change.agent.agentId };
    case 'memory':
      return { agentId: change.record.agentId, id: change.record.id };
    case 'document':
      return { agentId: change.document.agentId, id: change.document.id };
    case 'task':
      return { agentId: change.task.agentId, id: change.task.id };
    case 'file':
      return { agentId: change.file.agentId, id: change.file.name };
  }
}

/**
 * Returns the node that wrote a version: the node id after the second dot of
 * `<ms>.<counter>.<node id>`.
 */
export function originOfVersion(version: string): string {
  return version.slice(version.indexOf('.', version.indexOf('.') + 1) + 1);
}
