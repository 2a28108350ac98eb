/**
 * Request schemas of /api/v1/backup-targets. Unknown fields are refused. The
 * SMB password is write-only: omitted (or sent back masked) on update, the
 * stored one is kept.
 */
import path from 'node:path';
import { z } from 'zod';
import { isHostAddress } from '../../config/config-schema.js';

export const SMB_PROTOCOLS = ['SMB2', 'SMB3'] as const;
export type SmbProtocol = (typeof SMB_PROTOCOLS)[number];

const targetName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

const absoluteDirectory = z
  .string()
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .refine((value) => path.isAbsolute(value), 'must be an absolute path')
  .refine((value) => !value.includes('\0') && !value.split('/').includes('..'), 'must not contain ".." or NUL');

/** Plain words only: these go into smbclient's arguments and its credentials file (one `key = value` per line). */
const smbWord = (what: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\p{Cc}\\/"';%]*$/u, `${what} must not contain control characters, \\, /, quotes, ; or %`);

/** A folder inside the share, `backups/garrison`; '' is the share's root. Same characters as a stored file name, `/` between parts. */
const shareDirectory = z
  .string()
  .trim()
  .max(400, 'must be at most 400 characters')
  .transform((value) => value.replace(/^\/+|\/+$/g, ''))
  .refine(
    (value) => value === '' || value.split('/').every((part) => /^[A-Za-z0-9][A-Za-z0-9 ._+@=,()-]*$/.test(part) && !part.includes('..')),
    'must be folder names (letters, digits, space and . _ - + @ = , ( )) separated by /',
  );

const password = z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters').regex(/^[^\r\n\0]*$/, 'must not contain line breaks');

const smbFields = {
  host: z.string().trim().refine(isHostAddress, 'is not an IP address or host name'),
  port: z.number().int('must be a whole number').min(1, 'must be from 1 to 65535').max(65535, 'must be from 1 to 65535').default(445),
  share: smbWord('the share name', 80).min(1, 'must not be empty'),
  directory: shareDirectory.default(''),
  domain: smbWord('the domain', 64).default(''),
  user: smbWord('the user', 128).min(1, 'must not be empty'),
  minimumProtocol: z.enum(SMB_PROTOCOLS, { message: 'must be SMB2 or SMB3' }).default('SMB2'),
  requireEncryption: z.boolean().default(false),
};

export const createTargetBody = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('local'), name: targetName, directory: absoluteDirectory }),
    z.strictObject({ kind: z.literal('smb'), name: targetName, ...smbFields, password }),
  ],
  { message: 'kind must be "local" or "smb"' },
);
export type CreateTargetBody = z.output<typeof createTargetBody>;

/** An update names every field again except the password, which may be left out (or sent masked) to keep the stored one. */
export const updateTargetBody = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('local'), name: targetName, directory: absoluteDirectory }),
    z.strictObject({ kind: z.literal('smb'), name: targetName, ...smbFields, password: password.optional() }),
  ],
  { message: 'kind must be "local" or "smb"' },
);
export type UpdateTargetBody = z.output<typeof updateTargetBody>;

export const targetIdParams = z.strictObject({ targetId: z.uuid('must be a backup target id (UUID)') });
