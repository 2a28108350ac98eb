/**
 * Enrolment: a sensor that proved it holds a connection string gets a client
 * certificate and a place in the fleet. Steps, each audited on refusal:
 *   rate limit (per source address) → validate → spend one token use (atomic)
 *   → sign the CSR → fleet.recordEnrollment → revoke a superseded certificate.
 * When a step after spending the use fails, the use is given back, so a
 * single-use string survives a console-side failure.
 */
import { randomUUID } from 'node:crypto';
import {
  enrollmentRequestSchema,
  type EnrollmentRequest,
  type EnrollmentResult,
} from '../../../../sensor-link/src/protocol/enrollment-messages.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../../../../sensor-link/src/protocol/link-protocol.js';
import { formatAddress } from '../../../../sensor-link/src/protocol/connection-string.js';
import type { ConsoleContext } from '../../platform/console-module.js';
import { AppError, type ErrorCode } from '../../platform/errors.js';
import { fieldProblems, summarizeProblems } from '../../platform/validation.js';
import type { SensorCertificate } from '../fleet/sensor-model.js';
import { signSensorCsr, type SignedSensorCertificate } from '../pki/sensor-certificate.js';
import type { ConnectionStringStore, ConsumeRefusal } from './connection-string-store.js';
import { SourceRateLimiter } from './source-rate-limiter.js';

const REFUSAL_SENTENCES: Record<ConsumeRefusal, string> = {
  'unknown-token': 'The connection string is not known to this console (it was deleted, or it is from another console).',
  'wrong-secret': 'The connection string secret does not match; copy the string again.',
  expired: 'The connection string has expired; ask the console admin for a new one.',
  'used-up': 'The connection string was already used; ask the console admin for a new one.',
  revoked: 'The connection string was revoked; ask the console admin for a new one.',
};

/** What the fleet keeps of a signed certificate (never the PEM). */
export function sensorCertificateOf(signed: SignedSensorCertificate): SensorCertificate {
  return { serialNumber: signed.serialNumber, fingerprint256: signed.fingerprint256, notBefore: signed.notBefore, notAfter: signed.notAfter };
}

export interface EnrollmentServiceOptions {
  /** Enrolment attempts allowed per source address per minute. */
  attemptsPerMinute: number;
  certificateValidityDays: number;
}

export class EnrollmentService {
  private readonly limiter: SourceRateLimiter;

  constructor(
    private readonly context: ConsoleContext,
    private readonly store: ConnectionStringStore,
    private readonly options: EnrollmentServiceOptions,
  ) {
    this.limiter = new SourceRateLimiter(options.attemptsPerMinute, 60_000);
  }

  /** The link port each console address is announced with. */
  consoleAddresses(linkPort: number): string[] {
    return this.context.config.publicHosts.map((host) => formatAddress({ host, port: linkPort }));
  }

  /** Handles one POST /enroll/v1 body from `sourceAddress`; throws AppError on refusal. */
  async enroll(body: unknown, sourceAddress: string, linkPort: number): Promise<EnrollmentResult> {
    const audit = this.context.services.get('audit');
    const refuse = async (code: ErrorCode, message: string, tokenId: string | null, details?: unknown) => {
      await audit.record({
        actor: { kind: 'sensor', id: null, name: 'enrolling sensor' },
        sourceAddress,
        action: 'sensor.enrollment-refused',
        target: { kind: 'connectionString', id: tokenId, name: null },
        outcome: 'failure',
        reason: message,
      });
      return new AppError(code, message, details);
    };

    const admitted = this.limiter.attempt(sourceAddress);
    if (admitted !== 'allowed') {
      const message = `Too many enrolment attempts from ${sourceAddress}; try again in ${this.limiter.retryAfterSeconds()} s.`;
      // Audited once per address and minute; the rest of a flood is only counted.
      if (admitted === 'first-refusal') throw await refuse('rate_limited', message, null);
      throw new AppError('rate_limited', message);
    }
    const parsed = enrollmentRequestSchema.safeParse(body);
    if (!parsed.success) {
      const problems = fieldProblems(parsed.error);
      throw await refuse('validation_failed', `The enrolment request is not valid: ${summarizeProblems(problems)}`, null, { problems });
    }
    const request = parsed.data;
    if (!SUPPORTED_PROTOCOL_VERSIONS.includes(request.facts.versions.protocol)) {
      throw await refuse(
        'validation_failed',
        `This sensor-link speaks link protocol ${request.facts.versions.protocol}; the console speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}. Update sensor-link.`,
        request.tokenId,
      );
    }
    const consumed = await this.store.consume(request.tokenId, request.secret);
    if (!consumed.ok) throw await refuse('forbidden', REFUSAL_SENTENCES[consumed.reason], request.tokenId);

    try {
      const result = await this.issue(request, consumed.token.zoneId, linkPort);
      await audit.record({
        actor: { kind: 'sensor', id: result.sensorId, name: result.sensorName },
        sourceAddress,
        action: result.reEnrolled ? 'sensor.re-enrolled' : 'sensor.enrolled',
        target: { kind: 'connectionString', id: request.tokenId, name: consumed.token.kind },
        outcome: 'success',
      });
      return result;
    } catch (error) {
      await this.store.giveBack(request.tokenId);
      // A problem with the request (a bad CSR) is the sensor's to fix; anything else is ours, and worth a retry.
      const ours = !(error instanceof AppError && error.status < 500);
      this.context.logger.warn({ err: error, tokenId: request.tokenId }, 'enrolment failed after the token was spent; the use was given back');
      throw await refuse(
        ours ? 'dependency_unavailable' : (error as AppError).code,
        ours ? 'The console could not complete the enrolment; the connection string is still valid, try again.' : (error as AppError).message,
        request.tokenId,
      );
    }
  }

  private async issue(request: EnrollmentRequest, zoneId: string | null, linkPort: number): Promise<EnrollmentResult> {
    const fleet = this.context.services.get('fleet');
    const proposedSensorId = randomUUID();
    // The sensor id goes into the certificate, so a re-enrolment must learn the existing id first.
    // recordEnrollment keeps the existing id for a known name; we sign for the id it settles on.
    const signedForProposal = await signSensorCsr({
      ca: this.context.ca,
      csrPem: request.csrPem,
      sensorId: proposedSensorId,
      validityDays: this.options.certificateValidityDays,
    });
    const recorded = await fleet.recordEnrollment({
      proposedSensorId,
      facts: request.facts,
      certificate: sensorCertificateOf(signedForProposal),
      tokenId: request.tokenId,
      zoneId,
    });
    let signed = signedForProposal;
    if (recorded.sensor._id !== proposedSensorId) {
      signed = await signSensorCsr({
        ca: this.context.ca,
        csrPem: request.csrPem,
        sensorId: recorded.sensor._id,
        validityDays: this.options.certificateValidityDays,
      });
      await fleet.recordRenewedCertificate(recorded.sensor._id, sensorCertificateOf(signed));
    }
    if (recorded.supersededSerial !== null) {
      this.context.logger.info(
        { sensorId: recorded.sensor._id, supersededSerial: recorded.supersededSerial },
        'sensor re-enrolled; its previous certificate is superseded and listed in the CRL',
      );
    }
    return {
      sensorId: recorded.sensor._id,
      sensorName: recorded.sensor.name,
      reEnrolled: recorded.reEnrolled,
      zoneId: recorded.sensor.zoneId,
      certificatePem: signed.certificatePem,
      caChainPem: this.context.ca.certificatePem,
      consoleAddresses: this.consoleAddresses(linkPort),
      notAfter: signed.notAfter.toISOString(),
    };
  }
}
