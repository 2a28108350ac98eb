/** Request schemas of the SSH key API (/api/v1/users/…/ssh-keys). */
import { z } from 'zod';

const objectId = (what: string) => z.string().regex(/^[a-f0-9]{24}$/, `is not ${what}`);

export const addSshKeyBody = z.strictObject({
  /** One line of a .pub file: `ssh-ed25519 AAAA… comment`. An RSA-16384 line is about 2.8 KB. */
  publicKey: z.string('is missing: paste the line from your .pub file').min(1, 'must not be empty').max(8192, 'must be at most 8192 characters'),
});

export const ownSshKeyParams = z.strictObject({ keyId: objectId('an SSH key id') });
export const userSshKeysParams = z.strictObject({ userId: objectId('a user id') });
export const userSshKeyParams = z.strictObject({ userId: objectId('a user id'), keyId: objectId('an SSH key id') });
