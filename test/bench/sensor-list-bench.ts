/**
 * How fast the sensors list answers over HTTPS with 5,000 sensors on the embedded
 * database: `node --import tsx test/bench/sensor-list-bench.ts [count]`.
 * Prints the median and worst of 20 requests per query shape.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { siteModel } from '../../server/src/modules/fleet/sites/site-model.js';
import { zoneModel } from '../../server/src/modules/fleet/zones/zone-model.js';
import { seedSensors } from '../helpers/sensor-seed.js';
import { api, signInAsAdmin } from '../helpers/test-session.js';
import { startTestConsole } from '../helpers/test-console.js';

const count = Number(process.argv[2] ?? 5000);
const runs = 20;
const testConsole = await startTestConsole({ env: { GARRISON_LOG_LEVEL: 'warn' } });
try {
  const connection = testConsole.garrison.database().connection;
  const siteId = randomUUID();
  const zoneIds = Array.from({ length: 20 }, () => randomUUID());
  await siteModel(connection).create({ _id: siteId, name: 'Plant', nameKey: 'plant' });
  await zoneModel(connection).insertMany(zoneIds.map((_id, index) => ({ _id, siteId, name: `Zone ${index}`, nameKey: `zone ${index}` })));
  const states = ['connected', 'unreachable', 'disconnected', 'never-connected'] as const;
  const seedStarted = performance.now();
  await seedSensors(connection, count, (index) => ({
    state: states[index % 4] ?? 'connected',
    versions: { sensorLink: '1.0.0', core: `24.${index % 5}.0`, protocol: 1 },
    ...(index % 10 === 0 ? {} : { zoneId: zoneIds[index % 20] ?? null, siteId }),
  }));
  console.log(`seeded ${count} sensors in ${Math.round(performance.now() - seedStarted)} ms`);
  const admin = await signInAsAdmin(testConsole);
  // Sensors were written behind the console's back, so its first list reads them all: time that apart.
  const coldStarted = performance.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      await api(testConsole, 'GET', '/sensors?limit=1', { headers: admin.headers });
      break;
    } catch (error) {
      if (attempt === 10) throw error;
    }
  }
  console.log(`first list after seeding (loads every sensor): ${Math.round(performance.now() - coldStarted)} ms`);
  const shapes = [
    'limit=100',
    'limit=500',
    'state=disconnected&limit=100',
    `zoneId=${zoneIds[3]}&limit=100`,
    'unassigned=true&limit=100',
    'sort=lastSeenAt&order=desc&limit=100',
    'sort=version&limit=100&offset=4800',
    'q=sensor-04&limit=100',
  ];
  for (const shape of shapes) {
    const timings: number[] = [];
    let total = 0;
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now();
      const response = await api<{ total: number }>(testConsole, 'GET', `/sensors?${shape}`, { headers: admin.headers });
      timings.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`${shape}: ${response.status} ${response.text}`);
      total = response.body.total;
    }
    timings.sort((a, b) => a - b);
    const median = timings[Math.floor(runs / 2)] ?? 0;
    const worst = timings[runs - 1] ?? 0;
    console.log(`${shape.padEnd(40)} total=${String(total).padStart(5)}  median ${median.toFixed(1)} ms  worst ${worst.toFixed(1)} ms`);
  }
} finally {
  await testConsole.destroy();
}
