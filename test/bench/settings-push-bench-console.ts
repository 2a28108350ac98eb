/**
 * The console side of settings-push-bench.ts, in its own process so its CPU
 * time and memory are its own: `settings-push-bench-console.ts <data dir>`.
 * Sends { kind: 'ready', linkPort, baseUrl, caPem, headers, siteId, zoneId }
 * once started (signed in as the first admin, one site and one zone created
 * over REST), then answers on its IPC channel:
 *   { kind: 'seed', names, csrPem }        → { kind: 'seeded', sensors: [{ sensorId, sensorName, certificatePem }] }
 *       sensors written straight into the database with certificates signed by the
 *       console CA for one shared CSR: enrolling thousands over HTTPS takes most of
 *       an hour on a loaded 2-core machine and is not what this bench measures
 *   { kind: 'zone', sensorIds }            → { kind: 'zoned' } (sensors placed in the bench zone, database only; answered once the console's sensor list shows them)
 *   { kind: 'mark' }                       → { kind: 'mark', cpu }  (process and database CPU, µs)
 *   { kind: 'acks', revision, count, timeoutMs }
 *       → { kind: 'acks', recordedAt: { sensorId: epoch ms }, failed, cpu, databaseTime } once `count`
 *         'settings.apply-result' events of that revision were published (or at the timeout)
 *   { kind: 'memory' }                     → { kind: 'memory', rssBytes, heapUsedBytes } after a full GC
 *   { kind: 'stop' }                       → stops the console, removes its data, exits
 * `databaseTime` is the database commands that took longest since the mark.
 * An apply result is published after it is stored, so its time is when the
 * acknowledgement became visible in the drift report.
 */
import { randomUUID } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { sensorCertificateOf } from '../../server/src/modules/enrollment/enrollment-service.js';
import { signSensorCsr, type SignedSensorCertificate } from '../../server/src/modules/pki/sensor-certificate.js';
import { consoleCaOf } from '../helpers/link-peers.js';
import { seedSensors } from '../helpers/sensor-seed.js';
import { api, signInAsAdmin } from '../helpers/test-session.js';
import { startTestConsole } from '../helpers/test-console.js';
import { answerRequests, epochMs, memoryAnswer, send } from './bench-process.js';
import { monitorDatabaseTime } from './database-time.js';

const requestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('seed'), names: z.array(z.string()), csrPem: z.string() }),
  z.strictObject({ kind: z.literal('zone'), sensorIds: z.array(z.string()) }),
  z.strictObject({ kind: z.literal('mark') }),
  z.strictObject({ kind: z.literal('acks'), revision: z.number(), count: z.number(), timeoutMs: z.number() }),
  z.strictObject({ kind: z.literal('memory') }),
  z.strictObject({ kind: z.literal('stop') }),
]);

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of this process's children (the embedded FerretDB), in µs, from /proc. */
async function databaseCpuMicros(): Promise<number> {
  let total = 0;
  for (const task of await readdir(`/proc/${process.pid}/task`)) {
    const children = await readFile(`/proc/${process.pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const pid of children.trim().split(/\s+/).filter(Boolean)) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * (1_000_000 / CLOCK_TICKS_PER_SECOND);
    }
  }
  return total;
}

async function cpuNow(): Promise<{ consoleMicros: number; databaseMicros: number }> {
  const usage = process.cpuUsage();
  return { consoleMicros: usage.user + usage.system, databaseMicros: await databaseCpuMicros() };
}

const [dataDir = ''] = process.argv.slice(2);
const databaseTime = monitorDatabaseTime();
const testConsole = await startTestConsole({ dataDir, env: { GARRISON_LOG_LEVEL: 'warn', GARRISON_ENROLL_ATTEMPTS_PER_MINUTE: '100000' } });
const admin = await signInAsAdmin(testConsole);
const site = await api<{ id: string }>(testConsole, 'POST', '/sites', { headers: admin.headers, body: { name: 'Bench site' } });
const zone = await api<{ id: string }>(testConsole, 'POST', '/zones', { headers: admin.headers, body: { siteId: site.body.id, name: 'Bench zone' } });
if (site.status !== 201 || zone.status !== 201) throw new Error(`creating the bench site and zone failed: ${site.text} ${zone.text}`);

/** revision → sensorId → when its result was published; results that were not ok are counted apart. */
const recorded = new Map<number, Map<string, number>>();
const failed = new Map<number, number>();
const waiters: Array<{ revision: number; count: number; done: () => void }> = [];
testConsole.garrison.events.on('settings.apply-result', (result) => {
  const at = epochMs();
  if (!result.ok) failed.set(result.revision, (failed.get(result.revision) ?? 0) + 1);
  const times = recorded.get(result.revision) ?? new Map<string, number>();
  recorded.set(result.revision, times);
  times.set(result.sensorId, at);
  for (const waiter of waiters.filter((entry) => entry.revision === result.revision && times.size >= entry.count)) waiter.done();
});

send({ kind: 'ready', linkPort: testConsole.linkPort, baseUrl: testConsole.baseUrl, caPem: testConsole.caPem, headers: admin.headers, siteId: site.body.id, zoneId: zone.body.id });

// The bench died or was killed: never outlive it (the embedded database would linger).
process.on('disconnect', () => {
  void testConsole.destroy().finally(() => process.exit(1));
});

async function waitForAcks(revision: number, count: number, timeoutMs: number) {
  await new Promise<void>((resolve) => {
    if ((recorded.get(revision)?.size ?? 0) >= count) return resolve();
    const waiter = { revision, count, done: () => {} };
    const timer = setTimeout(() => waiter.done(), timeoutMs);
    waiter.done = () => {
      clearTimeout(timer);
      waiters.splice(waiters.indexOf(waiter), 1);
      resolve();
    };
    waiters.push(waiter);
  });
  const cpu = await cpuNow();
  return { kind: 'acks', recordedAt: Object.fromEntries(recorded.get(revision) ?? []), failed: failed.get(revision) ?? 0, cpu, databaseTime: databaseTime.take(10) };
}

answerRequests(requestSchema, async (request) => {
  switch (request.kind) {
    case 'seed': {
      const ca = await consoleCaOf(testConsole);
      const { csrPem, names } = request;
      const signed: Array<{ sensorId: string; name: string; certificate: SignedSensorCertificate }> = [];
      for (const name of names) {
        const sensorId = randomUUID();
        signed.push({ sensorId, name, certificate: await signSensorCsr({ ca, csrPem, sensorId, validityDays: 30 }) });
      }
      await seedSensors(testConsole.garrison.database().connection, signed.length, (index) => {
        const { sensorId, name, certificate } = signed[index]!;
        // Stored as enrolment stores it (fleet normalises the serial to lower case).
        const stored = sensorCertificateOf(certificate);
        return { _id: sensorId, name, hostname: name, state: 'never-connected', stateReason: 'enrolled', certificate: { ...stored, serialNumber: stored.serialNumber.toLowerCase() } };
      });
      return send({ kind: 'seeded', sensors: signed.map(({ sensorId, name, certificate }) => ({ sensorId, sensorName: name, certificatePem: certificate.certificatePem })) });
    }
    case 'zone': {
      await testConsole.garrison
        .database()
        .db.collection('sensors')
        .updateMany({ _id: { $in: request.sensorIds as never[] } }, { $set: { siteId: site.body.id, zoneId: zone.body.id } });
      // Written behind the console's back (a move through the API would push to every moved sensor first). Wait
      // until its in-memory sensor list shows them, as an operator's list view would within seconds: otherwise
      // the save pushes to the sensors the list still holds and the database corrects it behind the push
      // (scope-members.ts), which is not the path a console that made its own moves takes.
      const deadline = Date.now() + 120_000;
      for (;;) {
        const listed = await api<{ total: number }>(testConsole, 'GET', `/sensors?zoneId=${zone.body.id}&limit=1`, { headers: admin.headers });
        if (listed.body.total === request.sensorIds.length) break;
        if (Date.now() > deadline) throw new Error(`the sensor list shows ${listed.body.total} of ${request.sensorIds.length} sensors in the bench zone after 2 minutes`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      return send({ kind: 'zoned' });
    }
    case 'mark':
      databaseTime.take();
      return send({ kind: 'mark', cpu: await cpuNow() });
    case 'acks':
      return send(await waitForAcks(request.revision, request.count, request.timeoutMs));
    case 'memory':
      return send(memoryAnswer());
    case 'stop': {
      await testConsole.stop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(path.join(dataDir, '..', `${path.basename(dataDir)}.master.key`), { force: true });
      process.exit(0);
    }
  }
});
