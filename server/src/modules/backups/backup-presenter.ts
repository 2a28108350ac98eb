/** API shapes of runs, files, schedules and the policy (documents never go out raw). */
import type { BackupFileDocument, BackupPolicyDocument, BackupRunDocument, BackupScheduleDocument, FailureCode } from './backup-documents.js';

const FAILURE_LABELS: Record<FailureCode, string> = {
  'sensor-offline': 'Sensor offline',
  'sensor-could-not-produce': 'Sensor could not produce the file',
  'network-failure': 'Network failure mid-transfer',
  'not-enough-space': 'Not enough space',
  timeout: 'Timeout',
  'digest-mismatch': 'Digest mismatch',
  'storage-unreachable': 'Storage unreachable',
};

export function presentRun(run: BackupRunDocument) {
  return {
    id: run._id,
    sensorId: run.sensorId,
    sensorName: run.sensorName,
    trigger: run.trigger,
    requestedBy: run.requestedBy,
    targetId: run.targetId,
    status: run.status,
    failure: run.failureCode ? { code: run.failureCode, label: FAILURE_LABELS[run.failureCode], reason: run.failureReason } : null,
    fileId: run.fileId,
    fileName: run.fileName,
    sizeBytes: run.sizeBytes,
    sha256: run.sha256,
    bytesReceived: run.bytesReceived,
    queuedAt: run.queuedAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    durationMs: run.durationMs,
  };
}

export function presentFile(file: BackupFileDocument) {
  return {
    id: file._id,
    sensorId: file.sensorId,
    sensorName: file.sensorName,
    targetId: file.targetId,
    name: file.name,
    sizeBytes: file.sizeBytes,
    sha256: file.sha256,
    version: file.coreVersion,
    createdAt: file.createdAt.toISOString(),
    runId: file.runId,
  };
}

export function presentSchedule(schedule: BackupScheduleDocument) {
  return {
    id: schedule._id,
    scope: schedule.scope,
    scopeId: schedule.scopeId,
    enabled: schedule.enabled,
    time: schedule.time,
    targetId: schedule.targetId,
    createdAt: schedule.createdAt.toISOString(),
    updatedAt: schedule.updatedAt.toISOString(),
  };
}

export function presentPolicy(policy: BackupPolicyDocument) {
  const { _id: _key, ...rest } = policy;
  return rest;
}
