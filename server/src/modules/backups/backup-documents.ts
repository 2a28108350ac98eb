/**
 * What the backups module stores (driver collections; every write is a
 * conditional update or guarded by a unique index, as FerretDB v1 has no
 * transactions):
 *   backupRuns       one per attempt; (sensorId, slotKey) is unique, so a
 *                    scheduled slot makes one run however often the tick runs
 *   backupFiles      one per stored archive, until retention removes it
 *   backupSchedules  overrides of the default schedule per site, zone or sensor
 *   backupPolicy     one document: retention, spread window, missing-backup threshold
 *   backupSensorState  per sensor: last success, whether "missing" was raised
 */
import type { Db } from 'mongodb';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const FAILURE_CODES = [
  'sensor-offline',
  'sensor-could-not-produce',
  'network-failure',
  'not-enough-space',
  'timeout',
  'digest-mismatch',
  'storage-unreachable',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export interface BackupRunDocument {
  _id: string;
  sensorId: string;
  sensorName: string;
  siteId: string | null;
  zoneId: string | null;
  /** `scheduled:<ISO instant>` or `manual:<run id>`; unique per sensor. */
  slotKey: string;
  trigger: 'scheduled' | 'manual';
  requestedBy: string | null;
  targetId: string;
  status: RunStatus;
  failureCode: FailureCode | null;
  failureReason: string | null;
  fileId: string | null;
  fileName: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  bytesReceived: number;
  coreVersion: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  /** The console process that ran it; a run left 'running' by another process that died is failed at start. */
  instanceName: string | null;
}

export interface BackupFileDocument {
  _id: string;
  sensorId: string;
  sensorName: string;
  targetId: string;
  name: string;
  sizeBytes: number;
  sha256: string;
  coreVersion: string;
  createdAt: Date;
  runId: string;
}

export const SCHEDULE_SCOPES = ['site', 'zone', 'sensor'] as const;
export type ScheduleScope = (typeof SCHEDULE_SCOPES)[number];

export interface BackupScheduleDocument {
  _id: string;
  scope: ScheduleScope;
  scopeId: string;
  enabled: boolean;
  /** Console local time, `HH:mm`. */
  time: string;
  targetId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface BackupPolicyDocument {
  _id: 'policy';
  keepPerSensor: number;
  /** Total size allowed per target, or null for no cap. */
  maxBytesPerTarget: number | null;
  spreadWindowMinutes: number;
  missingAfterHours: number;
  runTimeoutMinutes: number;
  defaultTime: string;
}

export interface BackupSensorStateDocument {
  _id: string;
  lastSuccessAt: Date | null;
  missingRaisedAt: Date | null;
}

export const DEFAULT_POLICY: Omit<BackupPolicyDocument, '_id'> = {
  keepPerSensor: 9,
  maxBytesPerTarget: null,
  spreadWindowMinutes: 60,
  missingAfterHours: 36,
  runTimeoutMinutes: 120,
  defaultTime: '03:00',
};

export function backupCollections(db: Db) {
  return {
    runs: db.collection<BackupRunDocument>('backupRuns'),
    files: db.collection<BackupFileDocument>('backupFiles'),
    schedules: db.collection<BackupScheduleDocument>('backupSchedules'),
    policy: db.collection<BackupPolicyDocument>('backupPolicy'),
    sensorState: db.collection<BackupSensorStateDocument>('backupSensorState'),
  };
}
export type BackupStore = ReturnType<typeof backupCollections>;

export async function ensureBackupIndexes(store: BackupStore): Promise<void> {
  await store.runs.createIndex({ sensorId: 1, slotKey: 1 }, { unique: true });
  await store.runs.createIndex({ status: 1, queuedAt: -1 });
  await store.runs.createIndex({ queuedAt: -1 });
  await store.files.createIndex({ sensorId: 1, createdAt: -1 });
  await store.files.createIndex({ targetId: 1, createdAt: 1 });
  await store.schedules.createIndex({ scope: 1, scopeId: 1 }, { unique: true });
}

export async function loadPolicy(store: BackupStore): Promise<BackupPolicyDocument> {
  const stored = await store.policy.findOne({ _id: 'policy' });
  return { _id: 'policy', ...DEFAULT_POLICY, ...(stored ?? {}) };
}
