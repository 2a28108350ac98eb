/**
 * `sensors backup <name> [--no-wait]`: "Back up now" for one sensor from the
 * SSH CLI, through the same service and audit record as
 * POST /api/v1/sensors/:id/backups. By default it waits for the run to end and
 * prints the file or the failure in words (exit status 1 on failure), as an
 * operator at a terminal expects; `--no-wait` only queues it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { AccessScope } from '../../http/access-scope.js';
import type { AuditTrail } from '../../modules/audit/audit-trail.js';
import type { BackupRunDocument } from '../../modules/backups/backup-documents.js';
import type { BackupsService } from '../../modules/backups/backups-service.js';
import { AppError } from '../../platform/errors.js';
import { defineCommand, lines, recordCliAction, type CliCommand } from '../cli-command.js';
import type { FleetLookup } from './fleet-lookup.js';

const POLL_MS = 500;
/** The CLI waits this long; the run itself goes on (and can be followed with the API) after. */
const WAIT_LIMIT_MS = 30 * 60_000;

export interface SensorBackupCommandDeps {
  lookup: FleetLookup;
  backups: () => BackupsService;
  audit: () => AuditTrail;
}

function outcome(run: BackupRunDocument): string {
  if (run.status === 'succeeded') return `Backup of ${run.sensorName} written: ${run.fileName} (${run.sizeBytes} bytes, sha256 ${run.sha256}) in ${((run.durationMs ?? 0) / 1000).toFixed(1)} s.`;
  return `Backup of ${run.sensorName} failed (${run.failureCode}): ${run.failureReason}`;
}

export function sensorBackupCommand(deps: SensorBackupCommandDeps): CliCommand {
  return defineCommand({
    words: ['sensors', 'backup'],
    summary: 'Backs up one sensor now and waits for the result (--no-wait only queues it)',
    usage: '<name> [--no-wait]',
    permission: 'sensors:manage',
    positionals: ['name'],
    options: { 'no-wait': { kind: 'flag' } },
    schema: z.strictObject({
      name: z.string('is missing: give the sensor name').trim().min(1, 'must not be empty'),
      'no-wait': z.boolean().optional(),
    }),
    async run(args, invocation) {
      const found = await deps.lookup.sensorNamed(args.name);
      if (invocation.user.scope) new AccessScope(invocation.user.scope).require(found, `Sensor ${found.name}`);
      const queued = await deps.backups().backUpSensorNow(found._id, invocation.user.username);
      await recordCliAction(deps.audit(), invocation, {
        action: 'backup.requested',
        target: { kind: 'sensor', id: found._id, name: found.name },
        reason: `run ${queued._id}`,
      });
      if (args['no-wait']) return lines(`Backup of ${found.name} queued as run ${queued._id}.`);
      const deadline = Date.now() + WAIT_LIMIT_MS;
      for (;;) {
        const run = await deps.backups().getRun(queued._id);
        if (run.status === 'succeeded') return lines(outcome(run));
        if (run.status === 'failed') throw new AppError('conflict', outcome(run));
        if (Date.now() > deadline) return lines(`Backup of ${found.name} is still ${run.status} after 30 minutes (run ${run._id}); it goes on without this session.`);
        await sleep(POLL_MS);
      }
    },
  });
}
