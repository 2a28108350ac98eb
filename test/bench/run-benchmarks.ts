/**
 * `npm run bench [-- scenario ...]`: runs the benchmark scenarios one after the
 * other, each in its own process (so one scenario's memory does not colour the
 * next). Each scenario prints its own table and writes JSON under
 * test/bench/results/. Without arguments every scenario runs with its defaults;
 * arguments after a scenario name go to that scenario:
 *   npm run bench -- link --sensors 1000 notifications sensor-list
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const SCENARIOS: Record<string, { file: string; what: string }> = {
  link: { file: 'link-bench.ts', what: 'N mutual-TLS sensor links: connect, memory per link, restart, dead-link detection' },
  notifications: { file: 'notifications-bench.ts', what: 'events/s to syslog over TCP with the outbox persisting every delivery' },
  'sensor-list': { file: 'sensor-list-bench.ts', what: 'sensor list API latency over 5,000 sensors' },
  backup: { file: 'backup-bench.ts', what: 'one large sensor backup to SMB vs smbclient put (ratio), console peak RSS; then 10 at once' },
  'settings-push': { file: 'settings-push-bench.ts', what: 'zone settings push to N sensors: time until all acknowledged, console CPU per sensor, vs a bare socket.io server' },
  scale: { file: 'scale-bench.ts', what: 'memory per link and zone push time as N grows (500 … 5,000), vs a bare socket.io server; writes an SVG chart' },
  soak: { file: 'churn-soak-bench.ts', what: 'console memory per link above idle and its growth over a churn soak (N sensors, churn P per minute, M minutes)' },
};

const requested: Array<{ name: string; args: string[] }> = [];
for (const argument of process.argv.slice(2)) {
  if (argument in SCENARIOS) requested.push({ name: argument, args: [] });
  else if (requested.length > 0) requested.at(-1)?.args.push(argument);
  else {
    process.stderr.write(`unknown scenario "${argument}"; choose from: ${Object.keys(SCENARIOS).join(', ')}\n`);
    process.exit(2);
  }
}
const runs = requested.length > 0 ? requested : Object.keys(SCENARIOS).map((name) => ({ name, args: [] }));

let failed = 0;
for (const run of runs) {
  const scenario = SCENARIOS[run.name];
  if (!scenario) continue;
  process.stdout.write(`\n== ${run.name}: ${scenario.what}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(HERE, scenario.file), ...run.args], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    process.stdout.write(`== ${run.name} failed (exit ${result.status ?? result.signal})\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
