/**
 * The first admin, created at the first start (when there are no users):
 * user name `admin`, password from GARRISON_ADMIN_PASSWORD or else random and
 * written once to `<dataDir>/initial-admin-password` (mode 0600). The log names
 * the file, never the password. Either way the password must be changed at the
 * first sign-in, after which the file is deleted (see removeInitialPasswordFile).
 *
 * Two consoles starting together on one database both see "no users"; the unique
 * index on `usernameKey` lets one insert win, and only the winner writes the file.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Types } from 'mongoose';
import type { Logger } from '../../../platform/logger.js';
import { isDuplicateKeyError } from '../../../platform/database/database.js';
import { PRIVATE_FILE_MODE, writeFileAtomic } from '../../../platform/secrets/private-file.js';
import type { AuditTrail } from '../../audit/audit-trail.js';
import { SYSTEM_ACTOR } from '../../audit/audit-request.js';
import type { PasswordHasher } from './password-hasher.js';
import { presentUser } from './user-presenter.js';
import { usernameKeyOf, type UserModel, type UserRecord } from './user-model.js';
import { userTarget } from './users-service.js';

export const FIRST_ADMIN_USERNAME = 'admin';
export const INITIAL_PASSWORD_FILE = 'initial-admin-password';

export interface FirstAdminOptions {
  users: UserModel;
  hasher: PasswordHasher;
  audit: AuditTrail;
  logger: Logger;
  dataDir: string;
  /** GARRISON_ADMIN_PASSWORD, when set. */
  adminPassword: string | undefined;
}

export type FirstAdminOutcome = 'exists' | 'created' | 'created-elsewhere';

export async function ensureFirstAdmin(options: FirstAdminOptions): Promise<FirstAdminOutcome> {
  if ((await options.users.countDocuments({}, { limit: 1 }).exec()) > 0) return 'exists';
  const password = options.adminPassword ?? randomBytes(18).toString('base64url');
  const now = new Date();
  const admin = {
    _id: new Types.ObjectId(),
    username: FIRST_ADMIN_USERNAME,
    usernameKey: usernameKeyOf(FIRST_ADMIN_USERNAME),
    displayName: 'Administrator',
    role: 'admin',
    scope: null,
    passwordHash: await options.hasher.hash(password),
    mustChangePassword: true,
    disabled: false,
    createdAt: now,
    updatedAt: now,
    passwordChangedAt: now,
  } satisfies UserRecord;
  try {
    await options.users.create(admin);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    options.logger.info('another console created the first admin at the same time');
    return 'created-elsewhere';
  }

  let reason: string;
  if (options.adminPassword !== undefined) {
    reason = 'password from GARRISON_ADMIN_PASSWORD';
    options.logger.warn(
      { username: FIRST_ADMIN_USERNAME },
      'created the first admin with the password from GARRISON_ADMIN_PASSWORD; it must be changed at the first sign-in',
    );
  } else {
    const file = initialPasswordFile(options.dataDir);
    await writeFileAtomic(file, `${password}\n`, PRIVATE_FILE_MODE);
    reason = `random password written to ${file}`;
    options.logger.warn(
      { username: FIRST_ADMIN_USERNAME, passwordFile: file },
      `created the first admin; its one-time password is in ${file} (readable by this account only) and must be changed at the first sign-in`,
    );
  }
  await options.audit.record({
    actor: SYSTEM_ACTOR,
    action: 'user.created',
    target: userTarget(admin),
    outcome: 'success',
    reason: `first start: ${reason}`,
    after: presentUser(admin),
  });
  return 'created';
}

export function initialPasswordFile(dataDir: string): string {
  return path.join(dataDir, INITIAL_PASSWORD_FILE);
}

/** Once the first admin has its own password, the one-time password on disk is useless: remove it. */
export async function removeInitialPasswordFile(dataDir: string, logger: Logger): Promise<void> {
  const file = initialPasswordFile(dataDir);
  try {
    await rm(file);
    logger.info({ passwordFile: file }, 'removed the initial admin password file');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn({ err: error, passwordFile: file }, 'could not remove the initial admin password file');
  }
}
