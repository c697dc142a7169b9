import { HappyError, type HappyErrorOptions } from '../../lambdas/core/errors.js';

/** Options of {@link ReplicationPeerError}. */
export interface ReplicationPeerErrorOptions extends HappyErrorOptions {
  /** HTTP status the peer returned; absent when no response arrived. */
  readonly peerStatus?: number;
  /** `code` of the peer's problem document, such as `cursor_from_other_feed`. */
  readonly peerCode?: string;
}

/**
 * A call to the replication peer failed: no connection, a timeout, an error status or a body
 * that is not what the replication API returns (502 when it reaches an HTTP response).
 */
export class ReplicationPeerError extends HappyError {
  readonly peerStatus?: number;
  readonly peerCode?: string;

  constructor(message: string, options: ReplicationPeerErrorOptions = {}) {
    super(502, 'replication_peer_failed', message, {
      hint: 'Check that the upstream URL is right, the peer is up and both use the same token.',
      ...options,
    });
    this.peerStatus = options.peerStatus;
    this.peerCode = options.peerCode;
  }
}

/** Settings of a replication process are invalid. */
export class ReplicationSettingsError extends HappyError {
  constructor(setting: string, value: unknown, expected: string) {
    super(
      500,
      'invalid_replication_settings',
      `Invalid ${setting} ${String(value)}: ${expected}.`,
      {
        field: setting,
        hint: `Set ${setting} to ${expected}.`,
      },
    );
  }
}
