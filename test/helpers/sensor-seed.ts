/**
 * Sensors written straight into a test console's database (enrolment over the
 * link is tested elsewhere): `seedSensors(testConsole, 200, (i) => ({ state: … }))`.
 * Names are `sensor-0001`…, certificates unique, every field a valid document needs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { sensorModel, type SensorDocument } from '../../server/src/modules/fleet/sensor-model.js';
import { nameKeyOf } from '../../server/src/modules/fleet/name-key.js';

export type SeedSensor = Omit<SensorDocument, 'createdAt' | 'updatedAt'>;

const DAY_MS = 24 * 60 * 60 * 1000;

export function sensorFixture(index: number, overrides: Partial<SeedSensor> = {}): SeedSensor {
  const name = overrides.name ?? `sensor-${String(index).padStart(4, '0')}`;
  const now = Date.now();
  return {
    _id: randomUUID(),
    name,
    nameKey: nameKeyOf(name),
    hostname: `host-${String(index).padStart(4, '0')}.plant.example`,
    zoneId: null,
    siteId: null,
    state: 'connected',
    stateReason: 'link-established',
    stateSince: new Date(now - index * 1000),
    lastSeenAt: new Date(now - index * 1000),
    versions: { sensorLink: '1.0.0', core: '24.1.0', protocol: 1 },
    certificate: {
      serialNumber: randomBytes(16).toString('hex'),
      fingerprint256: randomBytes(32).toString('hex'),
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 89 * DAY_MS + 60_000),
    },
    health: null,
    enrolledAt: new Date(now - DAY_MS),
    enrolledWithTokenId: 'seed-token',
    revokedAt: null,
    ...overrides,
    ...(overrides.name ? { nameKey: nameKeyOf(overrides.name) } : {}),
  };
}

/** Inserts `count` sensors in batches; `shape(i)` overrides fields of sensor i (0-based). */
export async function seedSensors(
  connection: Connection,
  count: number,
  shape: (index: number) => Partial<SeedSensor> = () => ({}),
): Promise<SeedSensor[]> {
  const sensors = Array.from({ length: count }, (_, index) => sensorFixture(index, shape(index)));
  const model = sensorModel(connection);
  for (let start = 0; start < sensors.length; start += 500) {
    await model.insertMany(sensors.slice(start, start + 500), { ordered: true });
  }
  return sensors;
}
