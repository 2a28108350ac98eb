/**
 * What the sensor does with the console's `backup:produce` and
 * `backup:restore` requests. Archives pass through the state folder (0700):
 * `backup-<random>.tar.partial` while producing and uploading,
 * `restore-<random>.tar.partial` while downloading and restoring; both are
 * removed afterwards, and leftovers of a crash are removed before the next
 * backup. Every answer says in words what went wrong.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { CoreNotSupportedError, type CaptureCore } from '../core/capture-core.js';
import type { LinkLog } from '../link-log.js';
import {
  backupProduceSchema,
  backupRestoreSchema,
  linkError,
  type BackupProduced,
  type BackupRestored,
  type LinkAck,
} from '../protocol/link-protocol.js';
import type { LinkState } from '../state/link-state.js';
import { announcedDigest } from './archive-digest.js';
import { downloadBackup, uploadBackup } from './backup-transfer.js';
import { uploadLimitBytesPerSecond } from './upload-limit.js';

export interface BackupRequestContext {
  core: CaptureCore;
  state: LinkState;
  stateDirectory: string;
  /** `host:port` of the live link. */
  address: string;
  log: LinkLog;
  /** Aborted when the link client stops: the transfer ends at once. */
  signal: AbortSignal;
}

const TEMPORARY = /^(backup|restore)-[0-9a-f]+\.tar\.partial$/;

async function removeLeftovers(stateDirectory: string): Promise<void> {
  for (const name of await readdir(stateDirectory).catch(() => [] as string[])) {
    if (TEMPORARY.test(name)) await rm(path.join(stateDirectory, name), { force: true });
  }
}

function temporaryFile(stateDirectory: string, kind: 'backup' | 'restore'): string {
  return path.join(stateDirectory, `${kind}-${randomBytes(8).toString('hex')}.tar.partial`);
}

export async function produceAndUploadBackup(request: unknown, context: BackupRequestContext): Promise<LinkAck<BackupProduced>> {
  const parsed = backupProduceSchema.safeParse(request);
  if (!parsed.success) {
    context.log.warn('Refused a malformed backup request from the console.');
    return linkError('invalid-message', 'The backup request is malformed (it must be { runId, uploadPath }); no backup was made.');
  }
  const { runId, uploadPath } = parsed.data;
  await removeLeftovers(context.stateDirectory);
  const file = temporaryFile(context.stateDirectory, 'backup');
  try {
    let produced: unknown;
    try {
      produced = await context.core.produceBackup(file);
    } catch (error) {
      const reason = (error as Error).message;
      context.log.error(`Could not produce backup ${runId}: ${reason}`);
      return linkError(error instanceof CoreNotSupportedError ? 'unavailable' : 'internal', `The capture core could not produce the backup: ${reason}`);
    }
    const { sha256, sizeBytes, measuredBy } = await announcedDigest(file, produced);
    const bytesPerSecond = await uploadLimitBytesPerSecond(context.stateDirectory);
    context.log.info(`Uploading backup ${runId} (${sizeBytes} bytes, digest from the ${measuredBy}${bytesPerSecond ? `, at most ${Math.round(bytesPerSecond)} bytes/s` : ''}).`);
    try {
      await uploadBackup({ state: context.state, address: context.address, signal: context.signal, file, uploadPath, sizeBytes, sha256, bytesPerSecond });
    } catch (error) {
      const reason = (error as Error).message;
      context.log.error(`Backup ${runId} upload failed: ${reason}`);
      return linkError('internal', `The backup upload failed: ${reason}`);
    }
    context.log.info(`Backup ${runId} uploaded.`);
    return { data: { runId, sizeBytes, sha256 } };
  } finally {
    await rm(file, { force: true });
  }
}

export async function downloadAndRestoreBackup(request: unknown, context: BackupRequestContext): Promise<LinkAck<BackupRestored>> {
  const parsed = backupRestoreSchema.safeParse(request);
  if (!parsed.success) {
    context.log.warn('Refused a malformed restore request from the console.');
    return linkError('invalid-message', 'The restore request is malformed; nothing was restored.');
  }
  const { restoreId, downloadPath, sizeBytes, sha256 } = parsed.data;
  const file = temporaryFile(context.stateDirectory, 'restore');
  try {
    try {
      await downloadBackup({ state: context.state, address: context.address, signal: context.signal, downloadPath, file, sizeBytes, sha256 });
    } catch (error) {
      const reason = (error as Error).message;
      context.log.error(`Restore ${restoreId}: download failed: ${reason}`);
      return linkError('internal', `The backup download failed, nothing was restored: ${reason}`);
    }
    try {
      await context.core.restoreBackup(file);
    } catch (error) {
      const reason = (error as Error).message;
      context.log.error(`Restore ${restoreId} failed: ${reason}`);
      return linkError(error instanceof CoreNotSupportedError ? 'unavailable' : 'internal', `The capture core could not restore the backup: ${reason}`);
    }
    context.log.info(`Restored backup ${restoreId}.`);
    return { data: { restoreId, restored: true } };
  } finally {
    await rm(file, { force: true });
  }
}
