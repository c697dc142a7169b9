import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../lambdas/handlers/openapi.js';
import { ROUTES } from '../../lambdas/handlers/routes.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test walks untyped JSON.
type Json = any;

describe('buildOpenApiDocument', () => {
  const paths = buildOpenApiDocument().paths as Record<string, Record<string, Json>>;

  it.each(ROUTES.map((route) => [route.method, route.path]))('documents %s %s', (method, path) => {
    expect(paths[path]?.[method.toLowerCase()]?.summary).toEqual(expect.any(String));
  });

  it('describes a file upload as raw bytes', () => {
    const upload = paths['/api/v1/{agent}/files/{name}']?.put;
    expect(Object.keys(upload.requestBody.content)).toEqual(['*/*']);
  });

  it('lists the task submission fields', () => {
    const submit = paths['/api/v1/{agent}/tasks']?.post;
    const schema = submit.requestBody.content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual([
      'type',
      'input',
      'idempotency_key',
      'run_at',
      'max_attempts',
    ]);
  });

  it('lists the query parameters of the task list', () => {
    const list = paths['/api/v1/{agent}/tasks']?.get;
    const names = list.parameters.map((parameter: { name: string }) => parameter.name);
    expect(names).toEqual(['agent', 'status', 'limit', 'cursor']);
  });
});
