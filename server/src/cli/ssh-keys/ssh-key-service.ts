/**
 * SSH public keys users register to sign in to the CLI without a password.
 * Collection `sshKeys`, one document per key:
 *   { _id, userId, type, blob (base64 of the SSH key blob), fingerprint ('SHA256:…'), comment, createdAt }
 * A key is registered at most once per user (unique index on userId +
 * fingerprint); the same key may belong to two users, since the SSH user name
 * says which account is meant. Adding and removing are audited.
 */
import { ObjectId, type Collection, type Db } from 'mongodb';
import { AppError } from '../../platform/errors.js';
import { isDuplicateKeyError } from '../../platform/database/database.js';
import type { AuditTrail } from '../../modules/audit/audit-trail.js';
import type { UserRecord } from '../../modules/users/accounts/user-model.js';
import { userTarget, type Acting, type UsersService } from '../../modules/users/accounts/users-service.js';
import { parseSshPublicKey, sshFingerprint, type SshKeyType } from './ssh-public-key.js';

export const SSH_KEYS_COLLECTION = 'sshKeys';
/** Enough for every laptop and token a person has; a bound so one account cannot fill the database. */
export const MAX_KEYS_PER_USER = 20;

export interface SshKeyDocument {
  _id: ObjectId;
  userId: string;
  type: SshKeyType;
  blob: string;
  fingerprint: string;
  comment: string;
  createdAt: Date;
}

export interface SshKeyView {
  id: string;
  type: string;
  fingerprint: string;
  comment: string;
  createdAt: string;
}

export function presentSshKey(key: SshKeyDocument): SshKeyView {
  return { id: key._id.toHexString(), type: key.type, fingerprint: key.fingerprint, comment: key.comment, createdAt: key.createdAt.toISOString() };
}

export class SshKeyService {
  private readonly keys: Collection<SshKeyDocument>;

  constructor(
    db: Db,
    private readonly users: () => UsersService,
    private readonly audit: () => AuditTrail,
  ) {
    this.keys = db.collection<SshKeyDocument>(SSH_KEYS_COLLECTION);
  }

  async start(): Promise<void> {
    await this.keys.createIndex({ userId: 1, fingerprint: 1 }, { unique: true, name: 'user_fingerprint_unique' });
  }

  async list(userId: string): Promise<SshKeyDocument[]> {
    const user = await this.users().get(userId);
    return this.keys.find({ userId: String(user._id) }).sort({ createdAt: 1 }).toArray();
  }

  async add(userId: string, publicKey: string, acting: Acting): Promise<SshKeyDocument> {
    const user = await this.users().get(userId);
    const parsed = parseSshPublicKey(publicKey);
    if ((await this.keys.countDocuments({ userId: String(user._id) })) >= MAX_KEYS_PER_USER) {
      throw new AppError('conflict', `${user.username} already has ${MAX_KEYS_PER_USER} SSH keys; delete one first.`);
    }
    const document: SshKeyDocument = {
      _id: new ObjectId(),
      userId: String(user._id),
      type: parsed.type,
      blob: parsed.blob.toString('base64'),
      fingerprint: parsed.fingerprint,
      comment: parsed.comment,
      createdAt: new Date(),
    };
    try {
      await this.keys.insertOne(document);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new AppError('conflict', `This key (${parsed.fingerprint}) is already registered for ${user.username}.`);
      throw error;
    }
    await this.audit().record({ ...acting, action: 'user.ssh-key-added', target: userTarget(user), outcome: 'success', after: presentSshKey(document) });
    return document;
  }

  async remove(userId: string, keyId: string, acting: Acting): Promise<void> {
    const user = await this.users().get(userId);
    const removed = await this.keys.findOneAndDelete({ _id: new ObjectId(keyId), userId: String(user._id) });
    if (!removed) throw new AppError('not_found', `${user.username} has no SSH key with id ${keyId}.`);
    await this.audit().record({ ...acting, action: 'user.ssh-key-removed', target: userTarget(user), outcome: 'success', before: presentSshKey(removed) });
  }

  /** The user's registered key with this blob, or null. */
  async registeredKey(user: UserRecord, type: string, blob: Buffer): Promise<SshKeyDocument | null> {
    const key = await this.keys.findOne({ userId: String(user._id), fingerprint: sshFingerprint(blob) });
    return key && key.type === type && key.blob === blob.toString('base64') ? key : null;
  }
}
