/**
 * The enrolment exchange on the link port: one HTTPS POST the sensor makes
 * after it has checked the console's CA against the pin from the connection
 * string, and before it holds a client certificate.
 *
 *   POST /enroll/v1   EnrollmentRequest  →  200 { data: EnrollmentResult }
 *                                          4xx/5xx { error: { code, message } }
 */
import { z } from 'zod';
import { sensorVersionsSchema } from './link-protocol.js';

export const ENROLLMENT_PATH = '/enroll/v1';
/** Sensor names: what people see in the console; the console keeps them unique (case-insensitive). */
export const sensorNameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$/, 'A sensor name is 1-63 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit');

export const enrollmentFactsSchema = z.strictObject({
  name: sensorNameSchema,
  hostname: z.string().min(1).max(253),
  versions: sensorVersionsSchema,
});
export type EnrollmentFacts = z.infer<typeof enrollmentFactsSchema>;

export const enrollmentRequestSchema = z.strictObject({
  tokenId: z.string().min(1).max(64),
  secret: z.string().min(1).max(256),
  csrPem: z.string().min(1).max(16 * 1024),
  facts: enrollmentFactsSchema,
});
export type EnrollmentRequest = z.infer<typeof enrollmentRequestSchema>;

export const enrollmentResultSchema = z.strictObject({
  sensorId: z.string(),
  sensorName: z.string(),
  reEnrolled: z.boolean(),
  zoneId: z.string().nullable(),
  certificatePem: z.string(),
  /** The console CA certificate (PEM); the sensor trusts only this for the link from now on. */
  caChainPem: z.string(),
  /** Every console address (`host:port`), to try in turn when the link drops. */
  consoleAddresses: z.array(z.string()).min(1),
  notAfter: z.string(),
});
export type EnrollmentResult = z.infer<typeof enrollmentResultSchema>;

export const enrollmentErrorSchema = z.strictObject({
  error: z.looseObject({ code: z.string(), message: z.string() }),
});
