/**
 * `npm run migrate -- status` lists every migration and when it was applied;
 * `npm run migrate -- up` applies pending ones (the console also does this at
 * every start). With the embedded database, run it while the console is stopped.
 */
import { migrations } from '../../../../migrations/index.js';
import { ConfigError, loadConfig } from '../../config/load-config.js';
import { openDatabase } from '../database/database.js';
import { createLogger } from '../logger.js';
import { MigrationRunner } from './migration-runner.js';

const command = process.argv[2] ?? 'status';
if (command !== 'status' && command !== 'up') {
  process.stderr.write(`usage: npm run migrate -- status|up (got "${command}")\n`);
  process.exit(2);
}

try {
  const config = loadConfig();
  const logger = createLogger({ level: 'warn' });
  const database = await openDatabase({ mongodbUri: config.mongodbUri, dataDir: config.dataDir, logger });
  try {
    const runner = new MigrationRunner(database.db, migrations, logger);
    if (command === 'up') {
      const applied = await runner.up();
      process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'nothing to apply\n');
    }
    for (const status of await runner.status()) {
      const when = status.appliedAt ? status.appliedAt.toISOString() : 'pending';
      process.stdout.write(`${status.id.padEnd(32)} ${when.padEnd(26)} ${status.description}\n`);
    }
  } finally {
    await database.close();
  }
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
