/**
 * A console user. `usernameKey` (the lower-cased user name) carries the unique
 * index, so 'Admin' and 'admin' cannot both exist; `username` keeps the spelling
 * the admin chose. Indexes are created by migrations/002-users-and-audit.ts.
 */
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { ROLES, type Role } from '../../../http/permissions.js';

export interface UserScope {
  siteIds: string[];
  zoneIds: string[];
}

export interface UserRecord {
  _id: Types.ObjectId;
  username: string;
  usernameKey: string;
  displayName: string;
  role: Role;
  /** Sites and zones the user is restricted to; null means the whole fleet. Enforced by the fleet modules. */
  scope: UserScope | null;
  /** argon2id PHC string. Never leaves the users module. */
  passwordHash: string;
  mustChangePassword: boolean;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  passwordChangedAt: Date;
}

export const USERS_COLLECTION = 'users';

const scopeSchema = new Schema<UserScope>(
  { siteIds: { type: [String], default: [] }, zoneIds: { type: [String], default: [] } },
  { _id: false },
);

const userSchema = new Schema<UserRecord>(
  {
    username: { type: String, required: true },
    usernameKey: { type: String, required: true },
    displayName: { type: String, required: true },
    role: { type: String, enum: ROLES, required: true },
    scope: { type: scopeSchema, default: null },
    passwordHash: { type: String, required: true },
    mustChangePassword: { type: Boolean, required: true },
    disabled: { type: Boolean, default: false },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    passwordChangedAt: { type: Date, required: true },
  },
  { collection: USERS_COLLECTION, versionKey: false, strict: 'throw' },
);

export type UserModel = Model<UserRecord>;

export function userModel(connection: Connection): UserModel {
  return connection.model<UserRecord>('User', userSchema);
}

export function usernameKeyOf(username: string): string {
  return username.toLowerCase();
}
