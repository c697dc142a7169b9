import { RequestValidationError } from './errors.js';

/** Maximum length of a file name, in UTF-16 code units. */
export const MAX_FILE_NAME_LENGTH = 255;

// C0 and C1 control characters and DEL: they corrupt logs and terminals, and NUL ends C strings.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
// A lone surrogate has no UTF-8 encoding, so the name could not be stored or returned intact.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Returns why `name` is not a valid file name, or null when it is valid. A valid name is one
 * path segment: 1 to {@link MAX_FILE_NAME_LENGTH} characters of well-formed Unicode, with no
 * `/`, no `\`, no control characters, and neither `.` nor `..`.
 */
export function fileNameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_FILE_NAME_LENGTH) {
    return `must have at most ${MAX_FILE_NAME_LENGTH} characters`;
  }
  if (LONE_SURROGATE.test(name)) return 'must be well-formed Unicode';
  if (CONTROL_CHARACTERS.test(name)) return 'must not contain control characters';
  if (name.includes('/') || name.includes('\\')) return 'must not contain "/" or "\\"';
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  return null;
}

/**
 * Checks a file name.
 *
 * @throws {RequestValidationError} `invalid_file_name` (field `path.name`) naming the rule.
 */
export function checkFileName(name: string, field = 'path.name'): void {
  const problem = fileNameProblem(name);
  if (problem === null) return;
  throw new RequestValidationError('invalid_file_name', `The file name ${problem}.`, {
    field,
    hint: 'Use one path segment, such as "notes.txt", without "/", "\\" or control characters.',
  });
}
