/**
 * `connection-string show|create|revoke`: the same strings as System Settings →
 * Sensor Setup and /api/v1/connection-strings, on the same store, audited with
 * the same actions. `show` prints the standing multi-use string (creating it
 * when there is none); `create` regenerates it, or with --single-use makes a
 * one-time string, optionally pre-assigned to a zone.
 */
import { z } from 'zod';
import { encodeConnectionString, parseAddress } from '../../../../sensor-link/src/protocol/connection-string.js';
import { AccessScope } from '../../http/access-scope.js';
import type { AuditTrail } from '../../modules/audit/audit-trail.js';
import type { ConnectionStringDocument, ConnectionStringStore } from '../../modules/enrollment/connection-string-store.js';
import { presentConnectionString } from '../../modules/enrollment/enrollment-routes.js';
import { DEFAULT_TTL_MS } from '../../modules/enrollment/schema.js';
import type { ConsoleCa } from '../../modules/pki/console-ca.js';
import { AppError } from '../../platform/errors.js';
import { actorOf, defineCommand, lines, type CliCommand, type CliInvocation } from '../cli-command.js';
import type { FleetLookup } from './fleet-lookup.js';

export interface ConnectionStringCommandsDeps {
  store: ConnectionStringStore;
  lookup: FleetLookup;
  ca: ConsoleCa;
  publicHosts: string[];
  linkPort: () => number;
  audit: () => AuditTrail;
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MIN_TTL_MS = 5 * UNIT_MS.m;
const MAX_TTL_MS = 30 * UNIT_MS.d;

/** '24h', '90m', '7d' → milliseconds, between 5 minutes and 30 days (the API's limits). */
export const ttl = z
  .string()
  .trim()
  .regex(/^\d{1,5}[mhd]$/, 'must be a number followed by m, h or d, e.g. 30m, 24h, 7d')
  .transform((text) => Number(text.slice(0, -1)) * UNIT_MS[text.slice(-1) as keyof typeof UNIT_MS])
  .refine((ms) => ms >= MIN_TTL_MS && ms <= MAX_TTL_MS, 'must be from 5m to 30d');

const createArguments = z
  .strictObject({ zone: z.string().trim().min(1).optional(), 'single-use': z.literal(true).optional(), ttl: ttl.optional() })
  .refine((args) => args.zone === undefined || args['single-use'] === true, {
    message: 'only a --single-use string can be pre-assigned to a zone (the standing string enrols into Unassigned)',
    path: ['zone'],
  });

export function connectionStringCommands(deps: ConnectionStringCommandsDeps): CliCommand[] {
  function render(token: ConnectionStringDocument, secret: string): string {
    const port = deps.linkPort();
    const addresses = deps.publicHosts.flatMap((host) => {
      const parsed = parseAddress(host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
      return parsed ? [parsed] : [];
    });
    return encodeConnectionString({ addresses, tokenId: token._id, secret, caPin: deps.ca.publicKeyPin, expiresAt: token.expiresAt });
  }

  function describe(token: ConnectionStringDocument, secret: string, zoneText: string | null): string[] {
    const view = presentConnectionString(token);
    return [
      render(token, secret),
      '',
      `Id: ${view.id}  Kind: ${view.kind}  Expires: ${view.expiresAt}${zoneText ? `  Zone: ${zoneText}` : ''}`,
      'Paste it into the sensor\'s Management Console Connection dialog, or run: sensor-link connect \'<string>\'',
    ];
  }

  async function audited(invocation: CliInvocation, action: string, token: ConnectionStringDocument, reason?: string): Promise<void> {
    await deps.audit().record({
      actor: actorOf(invocation),
      sourceAddress: invocation.sourceAddress,
      action,
      target: { kind: 'connectionString', id: token._id, name: token.kind },
      outcome: 'success',
      reason: reason ?? 'via ssh',
      after: presentConnectionString(token),
    });
  }

  const createdBy = (invocation: CliInvocation) => ({ id: invocation.user.id, name: invocation.user.username });

  const scopeOf = (invocation: CliInvocation) => (invocation.user.scope ? new AccessScope(invocation.user.scope) : null);

  return [
    defineCommand({
      words: ['connection-string', 'show'],
      summary: 'The standing multi-use connection string (created when there is none)',
      usage: '',
      permission: 'enrollment:manage',
      positionals: [],
      options: {},
      schema: z.strictObject({}),
      async run(_args, invocation) {
        scopeOf(invocation)?.require(null, 'The standing connection string (it enrols Unassigned sensors)');
        const current = await deps.store.currentStanding();
        const secret = current ? deps.store.openStandingSecret(current) : null;
        if (current && secret !== null) return lines(...describe(current, secret, null));
        const created = await deps.store.create({ kind: 'standing', zoneId: null, ttlMs: DEFAULT_TTL_MS, createdBy: createdBy(invocation) });
        await audited(invocation, 'connection-string.created', created.token);
        return lines(...describe(created.token, created.secret, null));
      },
    }),
    defineCommand({
      words: ['connection-string', 'create'],
      summary: 'Regenerates the standing string, or makes a --single-use one (optionally for a zone)',
      usage: '[--single-use [--zone Z]] [--ttl 24h]',
      permission: 'enrollment:manage',
      positionals: [],
      options: { zone: { kind: 'value', alias: 'z' }, 'single-use': { kind: 'flag' }, ttl: { kind: 'value', alias: 't' } },
      schema: createArguments,
      async run(args, invocation) {
        const ttlMs = args.ttl ?? DEFAULT_TTL_MS;
        const scope = scopeOf(invocation);
        if (args['single-use']) {
          const zone = args.zone ? await deps.lookup.zoneNamed(args.zone, scope) : null;
          scope?.require(zone ? { siteId: zone.siteId, zoneId: zone.id } : null, zone ? `Zone ${zone.siteName}/${zone.name}` : 'An Unassigned sensor');
          const { token, secret } = await deps.store.create({ kind: 'single-use', zoneId: zone?.id ?? null, ttlMs, createdBy: createdBy(invocation) });
          await audited(invocation, 'connection-string.created', token);
          return lines(...describe(token, secret, zone ? `${zone.siteName}/${zone.name}` : 'Unassigned'), 'This single-use string is shown only now.');
        }
        scope?.require(null, 'The standing connection string (it enrols Unassigned sensors)');
        const revoked = await deps.store.revokeStanding();
        const { token, secret } = await deps.store.create({ kind: 'standing', zoneId: null, ttlMs, createdBy: createdBy(invocation) });
        await audited(invocation, 'connection-string.regenerated', token, `via ssh; ${revoked} earlier standing string${revoked === 1 ? '' : 's'} revoked`);
        return lines(...describe(token, secret, null), `The previous standing string no longer enrols sensors (${revoked} revoked).`);
      },
    }),
    defineCommand({
      words: ['connection-string', 'revoke'],
      summary: 'Revokes a connection string so it enrols no more sensors',
      usage: '<id>',
      permission: 'enrollment:manage',
      positionals: ['id'],
      options: {},
      schema: z.strictObject({ id: z.string('is missing: give the id shown by "connection-string show"').regex(/^[A-Za-z0-9_-]{8,64}$/, 'is not a connection string id') }),
      async run(args, invocation) {
        const token = await deps.store.revoke(args.id);
        if (!token) {
          const existing = await deps.store.find(args.id);
          if (!existing) throw new AppError('not_found', `No connection string has the id ${args.id}.`);
          return lines(`Connection string ${args.id} was already revoked.`);
        }
        await audited(invocation, 'connection-string.revoked', token);
        return lines(`Revoked connection string ${args.id}: it enrols no more sensors.`);
      },
    }),
  ];
}
