/**
 * Console users: create, change, reset, delete, with the rules that keep the
 * console manageable (nobody deletes or disables themselves; the last enabled
 * admin stays an enabled admin). Every change is audited here, so the web API
 * and the SSH CLI leave the same records.
 *
 * Provided to other modules as the `users` service.
 */
import { Types } from 'mongoose';
import { AppError } from '../../../platform/errors.js';
import { isDuplicateKeyError } from '../../../platform/database/database.js';
import type { AuditActor } from '../../audit/audit-chain.js';
import type { AuditTrail } from '../../audit/audit-trail.js';
import type { PasswordHasher } from './password-hasher.js';
import { passwordProblem } from './password-policy.js';
import { presentUser } from './user-presenter.js';
import { usernameKeyOf, type UserModel, type UserRecord, type UserScope } from './user-model.js';
import type { Role } from '../../../http/permissions.js';

/** Who asks for a change, for the audit record and the "not yourself" rules. */
export interface Acting {
  actor: AuditActor;
  sourceAddress: string | null;
}

/** Ends a user's sessions and API tokens; implemented by the auth and token areas. */
export interface CredentialRevoker {
  endSessionsOf(userId: string, exceptSessionId?: string): Promise<number>;
  revokeTokensOf(userId: string): Promise<number>;
}

export interface NewUser {
  username: string;
  displayName?: string | undefined;
  role: Role;
  scope?: UserScope | null | undefined;
  password: string;
  mustChangePassword: boolean;
}

export interface UserChanges {
  displayName?: string | undefined;
  role?: Role | undefined;
  scope?: UserScope | null | undefined;
  disabled?: boolean | undefined;
}

export interface UsersServiceDependencies {
  users: UserModel;
  hasher: PasswordHasher;
  audit: () => AuditTrail;
  credentials: () => CredentialRevoker;
  now?: () => Date;
}

export class UsersService {
  private readonly now: () => Date;

  constructor(private readonly deps: UsersServiceDependencies) {
    this.now = deps.now ?? (() => new Date());
  }

  list(): Promise<UserRecord[]> {
    return this.deps.users.find().sort({ usernameKey: 1 }).lean<UserRecord[]>().exec();
  }

  async find(id: string): Promise<UserRecord | null> {
    if (!isUserId(id)) return null;
    return this.deps.users.findById(id).lean<UserRecord>().exec();
  }

  async get(id: string): Promise<UserRecord> {
    const user = await this.find(id);
    if (!user) throw new AppError('not_found', `There is no user with id ${id}.`);
    return user;
  }

  findByUsername(username: string): Promise<UserRecord | null> {
    return this.deps.users.findOne({ usernameKey: usernameKeyOf(username) }).lean<UserRecord>().exec();
  }

  async create(input: NewUser, acting: Acting): Promise<UserRecord> {
    assertPasswordAcceptable(input.password, input.username, 'password');
    const now = this.now();
    const record = {
      _id: new Types.ObjectId(),
      username: input.username,
      usernameKey: usernameKeyOf(input.username),
      displayName: input.displayName ?? input.username,
      role: input.role,
      scope: input.scope ?? null,
      passwordHash: await this.deps.hasher.hash(input.password),
      mustChangePassword: input.mustChangePassword,
      disabled: false,
      createdAt: now,
      updatedAt: now,
      passwordChangedAt: now,
    } satisfies UserRecord;
    try {
      await this.deps.users.create(record);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new AppError('conflict', `A user named "${input.username}" already exists (user names ignore case).`);
      throw error;
    }
    await this.deps.audit().record({ ...acting, action: 'user.created', target: userTarget(record), outcome: 'success', after: presentUser(record) });
    return record;
  }

  async update(id: string, changes: UserChanges, acting: Acting): Promise<UserRecord> {
    const before = await this.get(id);
    const isSelf = acting.actor.kind === 'user' && acting.actor.id === id;
    if (isSelf && changes.disabled === true) throw new AppError('conflict', 'You cannot disable your own account.');
    const losesAdmin = before.role === 'admin' && !before.disabled && ((changes.role !== undefined && changes.role !== 'admin') || changes.disabled === true);
    if (losesAdmin) await this.assertAnotherAdmin(id, 'change the role of or disable');
    const set: Partial<UserRecord> = { updatedAt: this.now() };
    if (changes.displayName !== undefined) set.displayName = changes.displayName;
    if (changes.role !== undefined) set.role = changes.role;
    if (changes.scope !== undefined) set.scope = changes.scope;
    if (changes.disabled !== undefined) set.disabled = changes.disabled;
    const after = await this.deps.users.findByIdAndUpdate(id, { $set: set }, { returnDocument: 'after' }).lean<UserRecord>().exec();
    if (!after) throw new AppError('not_found', `There is no user with id ${id}.`);
    // A disabled user is signed out at once; a changed role applies at the next request anyway.
    if (changes.disabled === true) await this.deps.credentials().endSessionsOf(id);
    await this.deps.audit().record({
      ...acting,
      action: 'user.updated',
      target: userTarget(after),
      outcome: 'success',
      before: presentUser(before),
      after: presentUser(after),
    });
    return after;
  }

  /** An admin sets a new password; the owner must change it at the next sign-in, and is signed out everywhere. */
  async resetPassword(id: string, newPassword: string, acting: Acting): Promise<UserRecord> {
    const user = await this.get(id);
    assertPasswordAcceptable(newPassword, user.username, 'newPassword');
    const updated = await this.setPassword(id, await this.deps.hasher.hash(newPassword), { mustChangePassword: true });
    await this.deps.credentials().endSessionsOf(id);
    await this.deps.audit().record({ ...acting, action: 'user.password-reset', target: userTarget(user), outcome: 'success' });
    return updated;
  }

  /** Stores a new password hash; callers check the policy and audit. */
  async setPassword(id: string, passwordHash: string, options: { mustChangePassword: boolean }): Promise<UserRecord> {
    const now = this.now();
    const updated = await this.deps.users
      .findByIdAndUpdate(
        id,
        { $set: { passwordHash, mustChangePassword: options.mustChangePassword, passwordChangedAt: now, updatedAt: now } },
        { returnDocument: 'after' },
      )
      .lean<UserRecord>()
      .exec();
    if (!updated) throw new AppError('not_found', `There is no user with id ${id}.`);
    return updated;
  }

  /** Re-hashes with current parameters after a successful sign-in; same password, so nothing else changes. */
  async upgradeHash(id: string, passwordHash: string): Promise<void> {
    await this.deps.users.updateOne({ _id: id }, { $set: { passwordHash } }).exec();
  }

  async delete(id: string, acting: Acting): Promise<void> {
    const user = await this.get(id);
    if (acting.actor.kind === 'user' && acting.actor.id === id) throw new AppError('conflict', 'You cannot delete your own account.');
    if (user.role === 'admin' && !user.disabled) await this.assertAnotherAdmin(id, 'delete');
    await this.deps.users.deleteOne({ _id: id }).exec();
    await this.deps.credentials().endSessionsOf(id);
    await this.deps.credentials().revokeTokensOf(id);
    await this.deps.audit().record({ ...acting, action: 'user.deleted', target: userTarget(user), outcome: 'success', before: presentUser(user) });
  }

  /**
   * Without transactions two admins demoting each other at the same instant could
   * both pass this check; that needs two admins racing on purpose, and any
   * remaining admin (or the CLI) can restore the role.
   */
  private async assertAnotherAdmin(id: string, what: string): Promise<void> {
    const others = await this.deps.users.countDocuments({ role: 'admin', disabled: false, _id: { $ne: new Types.ObjectId(id) } }).exec();
    if (others === 0) {
      throw new AppError('conflict', `You cannot ${what} the last enabled admin; make another user an admin first.`);
    }
  }
}

export function userTarget(user: Pick<UserRecord, '_id' | 'username'>) {
  return { kind: 'user', id: String(user._id), name: user.username };
}

export function isUserId(id: string): boolean {
  return /^[a-f0-9]{24}$/.test(id);
}

/** Throws validation_failed naming `field` when the password breaks the policy. */
export function assertPasswordAcceptable(password: string, username: string, field: string): void {
  const problem = passwordProblem(password, username);
  if (problem) throw new AppError('validation_failed', problem, { problems: [{ path: field, message: problem }] });
}
