/** Request schemas of the PKI API (/api/v1/pki): the web certificate and outbound validation. */
import { z } from 'zod';

/** A PEM file of a few certificates is a few KiB; this leaves room for long chains. */
const MAX_PEM_CHARACTERS = 64 * 1024;

const pem = (what: string) =>
  z
    .string(`is missing: give the ${what} as PEM text`)
    .min(1, `must not be empty: give the ${what} as PEM text`)
    .max(MAX_PEM_CHARACTERS, `must be at most ${MAX_PEM_CHARACTERS} characters`);

export const webCertificateBody = z.strictObject({
  certificate: pem('certificate'),
  privateKey: pem('private key'),
  chain: pem('chain').nullable().default(null),
  passphrase: z.string().min(1, 'must not be empty; leave it out for an unencrypted key').max(1024, 'must be at most 1024 characters').nullable().default(null),
});
export type WebCertificateBody = z.output<typeof webCertificateBody>;

export const outboundValidationBody = z.strictObject({
  enabled: z.boolean('must be true or false'),
});
