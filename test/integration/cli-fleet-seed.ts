/**
 * Sensors for the CLI and SNMP tests without running real links: documents are
 * inserted in bulk (the shape enrolment writes, announced with one
 * 'sensor.enrolled' event for the batch), and presence changes go through
 * the real fleet service, on the test console's own database and event bus, so
 * every subscriber (the SNMP agent, notifications) sees them as in production.
 */
import { randomUUID } from 'node:crypto';
import { Fleet } from '../../server/src/modules/fleet/fleet-service.js';
import { revokedCertificateModel } from '../../server/src/modules/fleet/revoked-certificate-model.js';
import { sensorModel, type SensorDocument, type SensorState } from '../../server/src/modules/fleet/sensor-model.js';
import { zoneModel } from '../../server/src/modules/fleet/zones/zone-model.js';
import type { TestConsole } from '../helpers/test-console.js';

export interface SeedOptions {
  prefix?: string;
  siteId?: string | null;
  zoneId?: string | null;
  state?: SensorState;
}

export async function seedSensors(testConsole: TestConsole, count: number, options: SeedOptions = {}): Promise<SensorDocument[]> {
  const now = new Date();
  const prefix = options.prefix ?? 'sensor';
  const documents: SensorDocument[] = Array.from({ length: count }, (_, index) => {
    const name = `${prefix}-${String(index + 1).padStart(4, '0')}`;
    return {
      _id: randomUUID(),
      name,
      nameKey: name.toLowerCase(),
      hostname: `${name}.plant.example`,
      zoneId: options.zoneId ?? null,
      siteId: options.siteId ?? null,
      state: options.state ?? 'never-connected',
      stateReason: 'enrolled',
      stateSince: new Date(now.getTime() - 60_000),
      lastSeenAt: null,
      versions: { sensorLink: '0.1.0', core: '24.1.3', protocol: 1 },
      certificate: {
        serialNumber: randomUUID().replace(/-/g, ''),
        fingerprint256: 'AA:BB',
        notBefore: new Date(now.getTime() - 86_400_000),
        notAfter: new Date(now.getTime() + 90 * 86_400_000),
      },
      health: null,
      enrolledAt: new Date(now.getTime() - 60_000 + index),
      enrolledWithTokenId: 'seeded-token',
      revokedAt: null,
      createdAt: now,
      updatedAt: now,
    };
  });
  const model = sensorModel(testConsole.garrison.database().connection);
  for (let start = 0; start < documents.length; start += 500) await model.insertMany(documents.slice(start, start + 500));
  // Enrolment announces each new sensor; one announcement for the batch is enough for readers that
  // re-read the fleet on it (the SNMP agent), and keeps notifications from recording a thousand events.
  const last = documents.at(-1);
  if (last) {
    testConsole.garrison.events.publish('sensor.enrolled', { sensorId: last._id, sensorName: last.name, siteId: last.siteId, zoneId: last.zoneId, tokenId: 'seeded-token', reEnrolled: false, at: now });
  }
  return documents;
}

/** The real fleet service over the test console's database and event bus. */
export function fleetOf(testConsole: TestConsole): Fleet {
  const connection = testConsole.garrison.database().connection;
  return new Fleet({
    sensors: sensorModel(connection),
    zones: zoneModel(connection),
    revokedCertificates: revokedCertificateModel(connection),
    events: testConsole.garrison.events,
    logger: testConsole.garrison.logger,
  });
}
