/**
 * `npm run drill`: rehearses an outage end to end. `npm run drill -- --help` lists the options;
 * `happy drill` (bin/happy.mjs) runs the same command.
 */
import { createDrillCommand } from './cli.js';

createDrillCommand()
  .parseAsync(process.argv)
  .then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(2);
    },
  );
