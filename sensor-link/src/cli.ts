/**
 * sensor-link's command line:
 *   sensor-link connect <connection string> [--name N] [--state-dir D] [--core-root R]
 *       enrol this sensor (checks the console against the pin first), then exit
 *   sensor-link run [--state-dir D] [--core-root R] [--page-port P] [--no-page] [--reload-command JSON]
 *       hold the link to the console; serve the Management Console Connection
 *       page on http://127.0.0.1:P (8445 by default) to connect or re-connect
 *
 * Run with `node --import tsx sensor-link/src/cli.ts …` or the bin script.
 * Exit codes: 0 done, 1 the operation failed (the reason is printed), 2 usage.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { serveConnectPage } from './connect-page/connect-page.js';
import { LinkClient } from './connection/link-client.js';
import { DirectoryCore } from './core/directory-core.js';
import { enroll } from './enroll/enroll.js';
import { stderrLog } from './link-log.js';
import { LinkStateStore } from './state/link-state.js';

const USAGE = `Usage:
  sensor-link connect <connection string> [--name NAME] [--state-dir DIR] [--core-root DIR]
  sensor-link run [--state-dir DIR] [--core-root DIR] [--page-port PORT] [--no-page] [--reload-command JSON]

  --state-dir   where the key, certificate and console addresses live (default /var/lib/garrison-sensor-link)
  --core-root   the reference capture-core directory (default <state dir>/core)
  --page-port   the local connection page on 127.0.0.1 (default 8445)
  --reload-command  run after pushed settings changed a file, as a JSON array of arguments
                (no shell), e.g. '["systemctl","restart","chrony"]'`;

/** The reload command is an argument array (JSON), never a shell string: no value can become shell syntax. */
const reloadCommandSchema = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: '--reload-command must be a JSON array of strings, e.g. ["systemctl","restart","chrony"]' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(z.string('--reload-command must be a JSON array of strings').min(1, '--reload-command arguments must not be empty'), '--reload-command must be a JSON array of strings, e.g. ["systemctl","restart","chrony"]')
      .min(1, '--reload-command must name a command')
      .max(64, '--reload-command may have at most 64 arguments'),
  );

const optionsSchema = z.strictObject({
  name: z.string().optional(),
  'state-dir': z.string().min(1).default('/var/lib/garrison-sensor-link'),
  'core-root': z.string().min(1).optional(),
  // 0 picks a free port (tests); the address is logged either way.
  'page-port': z.coerce.number().int().min(0, '--page-port must be 0-65535').max(65535, '--page-port must be 0-65535').default(8445),
  'no-page': z.boolean().default(false),
  'reload-command': reloadCommandSchema.optional(),
});

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  let parsedArgs;
  try {
    parsedArgs = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        'state-dir': { type: 'string' },
        'core-root': { type: 'string' },
        'page-port': { type: 'string' },
        'no-page': { type: 'boolean' },
        'reload-command': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
  const { help, ...rawOptions } = parsedArgs.values;
  const [command, ...rest] = parsedArgs.positionals;
  if (help || command === undefined) fail(USAGE, help ? 0 : 2);
  const options = optionsSchema.safeParse(rawOptions);
  if (!options.success) fail(`${options.error.issues.map((issue) => issue.message).join('; ')}\n\n${USAGE}`, 2);
  const stateDir = path.resolve(options.data['state-dir']);
  const store = new LinkStateStore(stateDir);
  const reloadCommand = options.data['reload-command'];
  const core = new DirectoryCore(path.resolve(options.data['core-root'] ?? path.join(stateDir, 'core')), reloadCommand ? { reloadCommand } : {});
  const log = stderrLog();

  if (command === 'connect') {
    const [connectionString] = rest;
    if (connectionString === undefined || rest.length > 1) fail(`connect takes exactly one connection string.\n\n${USAGE}`, 2);
    try {
      await enroll({ connectionString, ...(options.data.name ? { name: options.data.name } : {}), store, core, onProgress: (sentence) => log.info(sentence) });
    } catch (error) {
      fail((error as Error).message);
    }
    process.stdout.write(`Connected. Start the link with: sensor-link run --state-dir ${stateDir}\n`);
    return;
  }
  if (command !== 'run' || rest.length > 0) fail(`Unknown command "${[command, ...rest].join(' ')}".\n\n${USAGE}`, 2);

  let client: LinkClient | null = null;
  const startLink = async () => {
    client?.stop();
    client = new LinkClient({ store, core, log });
    await client.start();
  };
  if (await store.load()) await startLink();
  else log.info('This sensor is not enrolled yet; paste a connection string on the connection page or run sensor-link connect.');

  const page = options.data['no-page']
    ? null
    : await serveConnectPage({
        port: options.data['page-port'],
        async status() {
          const state = await store.load();
          return { enrolled: state !== null, sensorName: state?.sensorName ?? null, link: client ? { state: client.current.state, message: client.current.message } : null };
        },
        async connect(input, progress) {
          await enroll({ ...input, store, core, onProgress: progress });
          progress('Starting the link…');
          await startLink();
        },
      });
  if (page) log.info(`Management Console Connection page: http://127.0.0.1:${page.port}/`);

  const shutdown = () => {
    log.info('Stopping.');
    client?.stop();
    void page?.close().finally(() => process.exit(0));
    if (!page) process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

await main(process.argv.slice(2));
