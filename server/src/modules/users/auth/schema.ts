/** Request schemas of /api/v1/auth. */
import { z } from 'zod';
import { password } from '../accounts/schema.js';
import { lockoutPolicySchema } from './lockout-guard.js';

/** No user-name pattern here: a sign-in with a malformed name gets the same answer as any wrong name. */
export const signInBody = z.strictObject({
  username: z.string().min(1, 'is required').max(64, 'must be at most 64 characters'),
  password,
});

export const changePasswordBody = z.strictObject({
  currentPassword: password,
  newPassword: password,
});

export const lockoutPolicyBody = lockoutPolicySchema;
