/**
 * The fleet simulator: N real sensor-links (enrolment, LinkClient, reference
 * DirectoryCore, from sensor-link/src) spread over W worker processes, each
 * sensor with its own state directory under one temporary folder.
 *
 *   npm run fleet -- --sensors N [--connect-rate R] [--heartbeat-ms M] [--churn P]
 *                    [--silent-deaths K] [--workers W] [--shared-key]
 *                    [--connection-string S | --console https://host:port [--console-ca FILE]]
 *
 * Where the connection string comes from:
 *   --connection-string S   a standing (multi-use) string an admin copied from the console;
 *   --console URL           the console's web address; the standing string is read over REST with
 *                           the API token in GARRISON_API_TOKEN (trusting --console-ca, or the system CAs);
 *   neither                 demo mode: a console is started here on a temporary data directory and its
 *                           address and admin password are printed.
 * --heartbeat-ms sets the health interval of the demo console; a real console decides it for its sensors
 * (GARRISON_LINK_HEALTH_INTERVAL_MS), because the LinkClient reports at the interval the console asks for.
 * --churn P: probability per linked sensor per minute of dropping its link and linking again (0–1).
 * --silent-deaths K: K sensors go silent (relay stops forwarding, nothing closes) after they linked.
 *
 * Prints a status line every 5 s; Ctrl-C (SIGINT) or SIGTERM closes every link, removes the folders and exits 0.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { request } from '../helpers/https-client.js';
import { makeTempDir, startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { standingConnectionString } from '../helpers/test-sensors.js';
import { signInAsAdmin, TEST_ADMIN_PASSWORD } from '../helpers/test-session.js';
import type { StatusCounts, WorkerAssignment } from './fleet-worker.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const optionsSchema = z.strictObject({
  sensors: z.coerce.number().int().min(1, 'must be at least 1').max(20_000),
  'connect-rate': z.coerce.number().positive('must be above 0 (sensors started per second)'),
  'heartbeat-ms': z.coerce.number().int().min(100).max(3_600_000).optional(),
  churn: z.coerce.number().min(0).max(1, 'is a probability per sensor per minute, 0 to 1'),
  'silent-deaths': z.coerce.number().int().min(0),
  workers: z.coerce.number().int().min(1).max(64),
  console: z.url({ protocol: /^https$/, error: 'must be the console address, https://host:port' }).optional(),
  'console-ca': z.string().optional(),
  'connection-string': z.string().min(1).optional(),
  'shared-key': z.boolean(),
  'status-every-ms': z.coerce.number().int().min(200),
});

export type FleetOptions = z.infer<typeof optionsSchema>;

function parseOptions(argv: string[]): FleetOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      sensors: { type: 'string', default: '10' },
      'connect-rate': { type: 'string', default: '20' },
      'heartbeat-ms': { type: 'string' },
      churn: { type: 'string', default: '0' },
      'silent-deaths': { type: 'string', default: '0' },
      workers: { type: 'string', default: '2' },
      console: { type: 'string' },
      'console-ca': { type: 'string' },
      'connection-string': { type: 'string' },
      'shared-key': { type: 'boolean', default: false },
      'status-every-ms': { type: 'string', default: '5000' },
    },
  });
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    const problem = parsed.error.issues[0];
    throw new Error(`--${String(problem?.path[0] ?? 'options')} ${problem?.message ?? 'is invalid'}`);
  }
  if (parsed.data['silent-deaths'] > parsed.data.sensors) throw new Error('--silent-deaths cannot be more than --sensors');
  return parsed.data;
}

/** The connection string to enrol with, and the demo console when this process started one. */
async function connectionStringFor(options: FleetOptions): Promise<{ connectionString: string; demo: TestConsole | null }> {
  if (options['connection-string']) return { connectionString: options['connection-string'], demo: null };
  if (options.console) {
    const token = process.env.GARRISON_API_TOKEN;
    if (!token) throw new Error('--console needs an API token (Settings → API tokens) in GARRISON_API_TOKEN');
    const ca = options['console-ca'] ? await readFile(options['console-ca'], 'utf8') : rootCertificates.join('\n');
    const response = await request<{ connectionString?: string }>(new URL('/api/v1/connection-strings/standing', options.console).href, {
      headers: { authorization: `Bearer ${token}` },
      ca,
    });
    if (response.status !== 200 || !response.body.connectionString) throw new Error(`reading the standing connection string failed: HTTP ${response.status} ${response.text.slice(0, 200)}`);
    return { connectionString: response.body.connectionString, demo: null };
  }
  const demo = await startTestConsole({
    env: {
      GARRISON_LOG_LEVEL: 'warn',
      GARRISON_ENROLL_ATTEMPTS_PER_MINUTE: '100000',
      ...(options['heartbeat-ms'] ? { GARRISON_LINK_HEALTH_INTERVAL_MS: String(options['heartbeat-ms']) } : {}),
    },
  });
  const admin = await signInAsAdmin(demo);
  console.log(`demo console at ${demo.baseUrl} (admin / ${TEST_ADMIN_PASSWORD}); its CA: ${path.join(demo.dataDir, 'pki', 'ca.crt')}`);
  return { connectionString: (await standingConnectionString(demo, admin.headers)).connectionString, demo };
}

export interface RunningFleet {
  counts(): StatusCounts;
  /** Closes every link, removes the state folders, stops the demo console if any. */
  stop(): Promise<void>;
}

export async function startFleet(options: FleetOptions, onStatus: (line: string) => void = (line) => console.log(line)): Promise<RunningFleet> {
  const { connectionString, demo } = await connectionStringFor(options);
  if (options['heartbeat-ms'] && !demo) onStatus('note: --heartbeat-ms applies to the demo console only; this console sets its sensors\' health interval itself');
  const root = await makeTempDir('fleet');
  const workerCount = Math.min(options.workers, options.sensors);
  const names = Array.from({ length: options.sensors }, (_, index) => `sim-${String(index).padStart(5, '0')}`);
  // Silent deaths are spread evenly over the fleet, so every worker has its share.
  const silentEvery = options['silent-deaths'] > 0 ? options.sensors / options['silent-deaths'] : Infinity;
  const silentIndexes = new Set(Array.from({ length: options['silent-deaths'] }, (_, index) => Math.floor(index * silentEvery)));
  const latest = new Map<number, StatusCounts>();
  const failures = new Map<string, string>();
  const workers: ChildProcess[] = [];
  for (let worker = 0; worker < workerCount; worker += 1) {
    const mine = names.flatMap((name, index) => (index % workerCount === worker ? [{ name, index }] : []));
    const assignment: WorkerAssignment = {
      names: mine.map((entry) => entry.name),
      silentDeaths: mine.flatMap((entry, position) => (silentIndexes.has(entry.index) ? [position] : [])),
      connectionString,
      root: path.join(root, `worker-${worker}`),
      connectRate: options['connect-rate'] / workerCount,
      churnPerMinute: options.churn,
      sharedKey: options['shared-key'],
      backoff: { baseMs: 2000, capMs: 60_000 },
    };
    const child = fork(path.join(here, 'fleet-worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (message: { kind?: string; counts?: StatusCounts; failures?: Array<[string, string]>; message?: string }) => {
      if (message.kind === 'status' && message.counts) latest.set(worker, message.counts);
      for (const [name, reason] of message.failures ?? []) failures.set(name, reason);
      if (message.kind === 'error') onStatus(`worker ${worker}: ${message.message}`);
    });
    child.send({ kind: 'start', assignment });
    workers.push(child);
  }
  const counts = (): StatusCounts => {
    const total: StatusCounts = {};
    for (const one of latest.values()) for (const [state, count] of Object.entries(one)) total[state as keyof StatusCounts] = (total[state as keyof StatusCounts] ?? 0) + count;
    return total;
  };
  const startedAt = performance.now();
  const statusTimer = setInterval(() => {
    const total = counts();
    const connecting = (total.connecting ?? 0) + (total.waiting ?? 0);
    const failed = (total.failed ?? 0) + (total['enrol-failed'] ?? 0);
    const seconds = Math.round((performance.now() - startedAt) / 1000);
    onStatus(`fleet ${seconds}s: ${total.connected ?? 0}/${options.sensors} connected, ${connecting} connecting, ${total.enrolling ?? 0} enrolling, ${failed} failed`);
    const [first] = failures;
    if (first) onStatus(`  e.g. ${first[0]}: ${first[1].slice(0, 200)}`);
  }, options['status-every-ms']);

  return {
    counts,
    async stop() {
      clearInterval(statusTimer);
      await Promise.all(
        workers.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
              child.once('exit', () => {
                clearTimeout(force);
                resolve();
              });
              child.send({ kind: 'stop' });
            }),
        ),
      );
      await rm(root, { recursive: true, force: true });
      await demo?.destroy();
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let fleet: RunningFleet | null = null;
  const stop = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    console.log('stopping the fleet…');
    void (fleet?.stop() ?? Promise.resolve()).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const options = parseOptions(process.argv.slice(2));
    fleet = await startFleet(options);
  } catch (error) {
    console.error(`fleet simulator: ${(error as Error).message}`);
    process.exit(2);
  }
}
