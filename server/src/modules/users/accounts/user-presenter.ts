/** The API shape of a user: never the password hash. */
import type { UserRecord } from './user-model.js';

export function presentUser(user: UserRecord) {
  return {
    id: String(user._id),
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    scope: user.scope ? { siteIds: [...user.scope.siteIds], zoneIds: [...user.scope.zoneIds] } : null,
    mustChangePassword: user.mustChangePassword,
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
    passwordChangedAt: user.passwordChangedAt.toISOString(),
  };
}

export type UserView = ReturnType<typeof presentUser>;
