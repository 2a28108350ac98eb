/**
 * The only file with side effects: read the configuration, start the console,
 * stop it in order on SIGINT/SIGTERM. Exit codes: 0 after a clean stop, 1 when
 * the start failed, 2 for a bad configuration, 3 when the database died for good.
 */
import { createConsole } from './app.js';
import { ConfigError, loadConfig } from './config/load-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  let exitCode = 0;
  const garrison = createConsole(config, {
    onFatal: () => {
      exitCode = 3;
      void shutdown();
    },
  });

  let shuttingDown = false;
  async function shutdown(): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    await garrison.stop();
    process.exit(exitCode);
  }
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());

  try {
    await garrison.start();
  } catch (error) {
    garrison.logger.fatal({ err: error }, `Garrison could not start: ${error instanceof Error ? error.message : String(error)}`);
    exitCode = 1;
    await shutdown();
  }
}

void main();
