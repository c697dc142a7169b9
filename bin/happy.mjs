#!/usr/bin/env node
// The `happy` command. The tools are TypeScript, so tsx is registered first and the sources run
// as they are, without a build step.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { createHappyProgram } = await import('../drill/cli.ts');
try {
  await createHappyProgram().parseAsync(process.argv);
  process.exit(process.exitCode ?? 0);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exit(2);
}
