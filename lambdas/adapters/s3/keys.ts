import { AGENT_ID_PATTERN } from '../../core/ids.js';
import { MAX_FILE_NAME_LENGTH } from '../../core/file-names.js';
import { AdapterConfigError } from '../errors.js';

/** Base32hex (RFC 4648, section 7): its alphabet is in ASCII order, so encodings sort. */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUV';
const ENCODED_NAME = /^[0-9A-V]+$/;
/** Key prefixes: characters S3 documents as safe, at most 100 of them. */
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()/-]{0,100}$/;

/**
 * Encodes a file name for an S3 key: its UTF-16 code units as big-endian bytes, in base32hex
 * without padding. The result contains only `0-9A-V`, whatever the name holds, and it keeps
 * order: names compare in UTF-16 code unit order exactly as their keys compare byte by byte,
 * which is the order ListObjectsV2 returns. A name of 255 code units takes 816 characters.
 */
export function encodeName(name: string): string {
  let output = '';
  let buffer = 0;
  let bits = 0;
  for (let index = 0; index < name.length; index += 1) {
    buffer = (buffer << 16) | name.charCodeAt(index);
    bits += 16;
    while (bits >= 5) {
      bits -= 5;
      output += ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) output += ALPHABET[(buffer << (5 - bits)) & 31];
  return output;
}

/** Decodes {@link encodeName}'s output, or returns null when `encoded` is not such output. */
export function decodeName(encoded: string): string | null {
  if (!ENCODED_NAME.test(encoded)) return null;
  const units: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const character of encoded) {
    buffer = (buffer << 5) | ALPHABET.indexOf(character);
    bits += 5;
    if (bits >= 16) {
      bits -= 16;
      units.push((buffer >>> bits) & 0xffff);
      buffer &= (1 << bits) - 1;
    }
  }
  // Leftover bits are the zero padding of the last character, less than one character long.
  if (bits >= 5 || buffer !== 0) return null;
  return String.fromCharCode(...units);
}

/**
 * Returns the longest key fragment that every name starting with `prefix` shares: the whole
 * characters of `encodeName(prefix)`, without the last one when it contains padding bits.
 */
export function encodeNamePrefix(prefix: string): string {
  return encodeName(prefix).slice(0, Math.floor((prefix.length * 16) / 5));
}

/**
 * Builds the S3 keys of one bucket area: `<keyPrefix><agent id>/<encoded name>`.
 */
export class FileKeys {
  private readonly keyPrefix: string;

  /** @throws {AdapterConfigError} when `keyPrefix` has characters outside the S3-safe set. */
  constructor(keyPrefix: string) {
    if (!KEY_PREFIX.test(keyPrefix)) {
      throw new AdapterConfigError(
        'keyPrefix',
        `expected at most 100 of A-Z a-z 0-9 ! _ . * ' ( ) / -, received "${keyPrefix}".`,
      );
    }
    this.keyPrefix = keyPrefix;
  }

  /**
   * Returns the key prefix of an agent's files.
   *
   * @throws {Error} when the agent id is invalid.
   */
  agentPrefix(agentId: string): string {
    if (!AGENT_ID_PATTERN.test(agentId)) throw new Error(`Invalid agent id "${agentId}".`);
    return `${this.keyPrefix}${agentId}/`;
  }

  /**
   * Returns the key of a file.
   *
   * @throws {Error} when the agent id is invalid, or the name is empty or longer than 255.
   */
  fileKey(agentId: string, name: string): string {
    if (name.length === 0 || name.length > MAX_FILE_NAME_LENGTH) {
      throw new Error(
        `Invalid file name length ${name.length}: expected 1 to ${MAX_FILE_NAME_LENGTH}.`,
      );
    }
    return this.agentPrefix(agentId) + encodeName(name);
  }

  /** Returns the file name of a key under `agentPrefix`, or null for any other key. */
  nameOf(agentPrefix: string, key: string): string | null {
    if (!key.startsWith(agentPrefix)) return null;
    return decodeName(key.slice(agentPrefix.length));
  }
}
