import { describe, expect, it } from 'vitest';
import {
  checkFileName,
  fileNameProblem,
  RequestValidationError,
} from '../../lambdas/core/index.js';

describe('fileNameProblem', () => {
  it.each([
    'notes.txt',
    'report 2026-12.pdf',
    '...',
    '.hidden',
    '%2e%2e',
    'C:',
    'ünïcödé-名前-📄',
    'x'.repeat(255),
  ])('accepts %j', (name) => {
    expect(fileNameProblem(name)).toBeNull();
  });

  it.each([
    ['', /empty/],
    ['.', /"\." or "\.\."/],
    ['..', /"\." or "\.\."/],
    ['a/b', /"\/"/],
    ['/etc/passwd', /"\/"/],
    ['..\\..\\windows', /"\/" or "\\"/],
    ['nul\u0000byte', /control/],
    ['line\nbreak', /control/],
    ['tab\there', /control/],
    ['del\u007f', /control/],
    ['c1\u0085', /control/],
    ['lone\ud800', /well-formed/],
    ['x'.repeat(256), /at most 255/],
  ])('rejects %j', (name, problem) => {
    expect(fileNameProblem(name)).toMatch(problem);
  });
});

describe('checkFileName', () => {
  it('raises invalid_file_name for the given field', () => {
    const attempt = () => checkFileName('..', 'body.input.name');
    expect(attempt).toThrow(RequestValidationError);
    expect(attempt).toThrow(/must not be/);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_file_name', field: 'body.input.name' });
    }
  });
});
