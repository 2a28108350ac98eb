/**
 * `npm run database:install`: makes sure the embedded database binary (FerretDB)
 * exists in the per-machine cache, building it if needed, and prints its path on
 * standard output (and nothing else there, so scripts can capture it). Progress and
 * errors go to standard error. Exit code 0 on success, 1 on failure.
 *
 * This is an entry point, like main.ts: running it is its purpose.
 */
import { pino } from 'pino';
import { isAppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { ensureFerretDbBinary } from './ferretdb-binary.js';

const logger = createLogger({ level: 'info', destination: pino.destination({ fd: 2, sync: true }) });

try {
  const binary = await ensureFerretDbBinary({ logger });
  process.stdout.write(`${binary.path}\n`);
} catch (error) {
  // An AppError is an expected, explained failure: its sentence is the whole story, no stack.
  if (isAppError(error)) logger.error({ code: error.code, details: error.details }, error.message);
  else logger.error({ err: error }, 'installing the embedded database failed');
  process.exitCode = 1;
}
