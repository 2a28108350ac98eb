/**
 * Request schemas of the users API (/api/v1/users). Inferred types are the
 * request types of users-routes.ts.
 */
import { z } from 'zod';
import { ROLES } from '../../../http/permissions.js';
import { MAX_PASSWORD_LENGTH } from './password-policy.js';

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$/;

export const username = z
  .string()
  .regex(USERNAME_PATTERN, 'must be 3 to 32 letters, digits, dots, dashes or underscores, starting with a letter or digit');

/** Policy (length, common passwords, not the user name) is checked by the service, which knows the user name. */
export const password = z.string().min(1, 'is required').max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`);

const displayName = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters');
const role = z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` });
const scopeId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a site or zone id');
const scope = z
  .strictObject({
    siteIds: z.array(scopeId).max(500).default([]),
    zoneIds: z.array(scopeId).max(5000).default([]),
  })
  .nullable();

export const userIdParams = z.strictObject({
  id: z.string().regex(/^[a-f0-9]{24}$/, 'is not a user id'),
});

export const createUserBody = z.strictObject({
  username,
  displayName: displayName.optional(),
  role,
  scope: scope.optional(),
  password,
  /** Default true: an admin-chosen password is changed by its owner at first sign-in. */
  mustChangePassword: z.boolean().default(true),
});
export type CreateUserBody = z.output<typeof createUserBody>;

export const updateUserBody = z
  .strictObject({
    displayName: displayName.optional(),
    role: role.optional(),
    scope: scope.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'name at least one of displayName, role, scope, disabled' });
export type UpdateUserBody = z.output<typeof updateUserBody>;

export const resetPasswordBody = z.strictObject({ newPassword: password });
