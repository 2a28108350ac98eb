import type { Migration } from '../server/src/platform/migrations/migration-runner.js';

/**
 * The fleet's collections: sensors (one index per filter and sort of the sensors
 * list, plus the unique name and certificate serial that guard enrolment races),
 * sites and zones (unique names, case-insensitive through `nameKey`), and the
 * revoked certificates the CRL is built from.
 */
export const migration: Migration = {
  id: '002-fleet-indexes',
  description: 'Indexes for sensors, sites, zones and revoked certificates',
  async up(db) {
    const sensors = db.collection('sensors');
    await sensors.createIndex({ nameKey: 1 }, { unique: true });
    await sensors.createIndex({ 'certificate.serialNumber': 1 }, { unique: true });
    await sensors.createIndex({ zoneId: 1, state: 1 });
    await sensors.createIndex({ state: 1, stateSince: 1 });
    await sensors.createIndex({ siteId: 1, nameKey: 1 });
    await sensors.createIndex({ state: 1, nameKey: 1 });
    await sensors.createIndex({ lastSeenAt: 1, _id: 1 });
    await sensors.createIndex({ 'versions.core': 1, _id: 1 });
    await sensors.createIndex({ hostname: 1 });
    await db.collection('sites').createIndex({ nameKey: 1 }, { unique: true });
    await db.collection('zones').createIndex({ siteId: 1, nameKey: 1 }, { unique: true });
    const revoked = db.collection('revokedCertificates');
    await revoked.createIndex({ revokedAt: 1 });
    await revoked.createIndex({ sensorId: 1 });
  },
};
