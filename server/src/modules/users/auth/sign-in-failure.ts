/**
 * Counts one failed sign-in towards the source address's lockout, and audits
 * and logs the lockout when this failure starts one. Password sign-in
 * (sign-in-service.ts) and SSH public key sign-in (cli/ssh-keys) share it, so
 * both count alike and leave the same `auth.locked-out` record.
 */
import type { Logger } from '../../../platform/logger.js';
import type { AuditActor } from '../../audit/audit-chain.js';
import { SYSTEM_ACTOR } from '../../audit/audit-request.js';
import type { AuditTrail } from '../../audit/audit-trail.js';
import type { LockoutGuard } from './lockout-guard.js';

export interface SignInFailureDeps {
  lockout: LockoutGuard;
  audit: () => AuditTrail;
  logger: Logger;
}

export async function recordSignInFailure(deps: SignInFailureDeps, sourceAddress: string | null, actor: AuditActor): Promise<void> {
  const outcome = await deps.lockout.recordFailure(sourceAddress);
  if (!outcome.newlyLocked || !outcome.lockedUntil) return;
  const policy = await deps.lockout.policy();
  await deps.audit().record({
    actor: SYSTEM_ACTOR,
    sourceAddress,
    action: 'auth.locked-out',
    target: { kind: 'sourceAddress', id: sourceAddress, name: sourceAddress },
    outcome: 'success',
    reason: `${outcome.failuresInWindow} failed sign-ins within ${policy.windowMinutes} minutes (last as ${actor.name}); locked until ${outcome.lockedUntil.toISOString()}`,
  });
  deps.logger.warn({ sourceAddress, lockedUntil: outcome.lockedUntil }, 'source address locked out after repeated failed sign-ins');
}
