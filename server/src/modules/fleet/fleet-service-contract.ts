/**
 * What the fleet module offers the rest of the console (the link, enrollment,
 * settings, backups, notifications, CLI, SNMP). Provided as the `fleet` service:
 *   context.services.get('fleet')
 * The fleet module owns sensors, sites and zones; others never write those
 * collections directly.
 */
import type { PresenceReason, SensorCertificate, SensorDocument, SensorHealth, SensorState } from './sensor-model.js';

export interface EnrolledSensorFacts {
  name: string;
  hostname: string;
  versions: { sensorLink: string; core: string; protocol: number };
}

export interface RecordEnrollmentInput {
  /** A new id for a first enrolment; ignored when a sensor with this name exists (re-enrolment). */
  proposedSensorId: string;
  facts: EnrolledSensorFacts;
  certificate: SensorCertificate;
  tokenId: string;
  /** Zone the connection string pre-assigns, or null for Unassigned. */
  zoneId: string | null;
}

export interface RecordEnrollmentResult {
  sensor: SensorDocument;
  /** True when a sensor of the same name existed and was replaced in place (same id, new certificate). */
  reEnrolled: boolean;
  /** The certificate serial the re-enrolment superseded (to revoke), if any. */
  supersededSerial: string | null;
}

export interface PresenceUpdate {
  sensorId: string;
  state: SensorState;
  reason: PresenceReason;
  at: Date;
}

export interface HealthUpdate {
  sensorId: string;
  health: SensorHealth;
  lastSeenAt: Date;
}

export type LinkCertificateCheck =
  | { ok: true; sensor: Pick<SensorDocument, '_id' | 'name' | 'zoneId'> }
  /** revoked: the sensor was revoked; unknown: no such sensor, or the certificate was superseded (re-enrolment, renewal). */
  | { ok: false; refusal: 'revoked' | 'unknown' };

export interface FleetService {
  /**
   * Records a sensor that just enrolled. Re-enrolling an existing name keeps the
   * sensor's id, zone and history and replaces its certificate (the old serial
   * is returned so the caller revokes it): no ghost duplicate.
   */
  recordEnrollment(input: RecordEnrollmentInput): Promise<RecordEnrollmentResult>;
  findById(sensorId: string): Promise<SensorDocument | null>;
  /** The sensor a presented client certificate belongs to, or null (unknown / superseded serial). */
  findByCertificateSerial(serialNumber: string): Promise<SensorDocument | null>;
  /**
   * Whether a link may open with this certificate (sensor id from the certificate, its serial):
   * the sensor exists, is not revoked and this is its current certificate. One primary-key read,
   * run on every link handshake, so it must stay cheap at 5,000 sensors (see fleet-service.ts).
   */
  checkLinkCertificate(sensorId: string, serialNumber: string): Promise<LinkCertificateCheck>;
  /** The same for several handshakes with one database read; the answers are in the order of the requests. */
  checkLinkCertificates(requests: ReadonlyArray<{ sensorId: string; serialNumber: string }>): Promise<LinkCertificateCheck[]>;
  /** Replaces the sensor's certificate after a renewal over the link. */
  recordRenewedCertificate(sensorId: string, certificate: SensorCertificate): Promise<void>;
  /** Applies presence changes (conditional on the state actually changing) and publishes `sensor.presence-changed`. */
  updatePresence(updates: PresenceUpdate[]): Promise<void>;
  /**
   * Health/last-seen of a flush (the newest report per sensor), written together: never a write per heartbeat as it
   * arrives. Every update is published as `sensor.health-reported`; only the sensors in `write` (all when absent)
   * are written (the presence tracker spaces writes out on large fleets).
   */
  recordHealth(updates: HealthUpdate[], write?: ReadonlySet<string>): Promise<void>;
  /** Revokes (and with `remove`, deletes) a sensor; publishes `sensor.revoked`. Returns its certificate serial. */
  revoke(sensorId: string, options: { byUser: string | null; remove: boolean }): Promise<{ serialNumber: string } | null>;
  /**
   * Ids of sensors recorded as linked (connected or unreachable). At start the
   * link treats them as unreachable: a previous console process that crashed
   * never wrote their link's end.
   */
  linkedSensorIds(): Promise<string[]>;
  /** Serials of revoked certificates for the CRL (revoked sensors and superseded certificates). */
  revokedSerials(): Promise<Array<{ serialNumber: string; revokedAt: Date }>>;
}

declare module '../../platform/console-module.js' {
  interface ConsoleServices {
    fleet: FleetService;
  }
}
