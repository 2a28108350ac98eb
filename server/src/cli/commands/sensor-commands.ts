/**
 * `sensors list [--zone Z] [--state S]` and `sensors show <name>`: the same
 * queries and presenters as GET /api/v1/sensors, printed as text.
 *
 * A user with a site/zone scope lists only the sensors of its scope (filtered in
 * the query, as the API does) and is refused, naming the scope, a zone or a
 * sensor outside it.
 */
import { z } from 'zod';
import { AccessScope } from '../../http/access-scope.js';
import { SENSOR_STATES } from '../../modules/fleet/sensor-model.js';
import type { SensorListItem } from '../../modules/fleet/sensors/sensor-presenter.js';
import { defineCommand, lines, type CliCommand, type CliInvocation } from '../cli-command.js';
import type { FleetLookup } from './fleet-lookup.js';

/** Sensors are read in pages of the API's largest page size. */
const PAGE = 500;

const listArguments = z.strictObject({
  zone: z.string().trim().min(1, 'must name a zone (Zone or Site/Zone)').optional(),
  state: z
    .string()
    .transform((value) => value.split(',').map((state) => state.trim()))
    .pipe(z.array(z.enum(SENSOR_STATES, `must be one or more of ${SENSOR_STATES.join(', ')}, separated by commas`)))
    .optional(),
});

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  return [format(header), ...rows.map(format)];
}

function row(sensor: SensorListItem): string[] {
  return [
    sensor.name,
    sensor.state,
    sensor.site?.name ?? '-',
    sensor.zone?.name ?? 'Unassigned',
    sensor.version,
    sensor.lastSeenAt ?? 'never',
  ];
}

function scopeOf(invocation: CliInvocation): AccessScope | null {
  return invocation.user.scope ? new AccessScope(invocation.user.scope) : null;
}

export function sensorCommands(lookup: FleetLookup): CliCommand[] {
  return [
    defineCommand({
      words: ['sensors', 'list'],
      summary: 'The sensors, optionally of one zone and in some states',
      usage: '[--zone Z] [--state S[,S…]]',
      permission: 'sensors:read',
      positionals: [],
      options: { zone: { kind: 'value', alias: 'z' }, state: { kind: 'value', alias: 's' } },
      schema: listArguments,
      async run(args, invocation) {
        const scope = scopeOf(invocation);
        const zone = args.zone ? await lookup.zoneNamed(args.zone, scope) : null;
        if (zone) scope?.require({ siteId: zone.siteId, zoneId: zone.id }, `Zone ${zone.siteName}/${zone.name}`);
        const items: SensorListItem[] = [];
        for (let offset = 0; ; offset += PAGE) {
          const page = await lookup.queries.list(
            {
              sort: 'name',
              order: 'asc',
              limit: PAGE,
              offset,
              ...(zone ? { zoneId: zone.id } : {}),
              ...(args.state ? { state: args.state } : {}),
            },
            scope,
          );
          items.push(...page.items);
          if (page.items.length < PAGE) break;
        }
        const where = zone ? ` in ${zone.siteName}/${zone.name}` : '';
        if (items.length === 0) return lines(`No sensors${where}${args.state ? ` in state ${args.state.join(' or ')}` : ''}.`);
        return lines(
          ...formatTable(['NAME', 'STATE', 'SITE', 'ZONE', 'VERSION', 'LAST SEEN'], items.map(row)),
          `${items.length} sensor${items.length === 1 ? '' : 's'}${where}.`,
        );
      },
    }),
    defineCommand({
      words: ['sensors', 'show'],
      summary: "One sensor's state, placement, versions, health and certificate",
      usage: '<name>',
      permission: 'sensors:read',
      positionals: ['name'],
      options: {},
      schema: z.strictObject({ name: z.string('is missing: give the sensor name').trim().min(1, 'must not be empty') }),
      async run(args, invocation) {
        const found = await lookup.sensorNamed(args.name);
        scopeOf(invocation)?.require(found, `Sensor ${found.name}`);
        const sensor = await lookup.queries.detail(found._id);
        const health = sensor.health;
        return lines(
          `Name:          ${sensor.name}`,
          `Id:            ${sensor.id}`,
          `Host name:     ${sensor.hostname}`,
          `State:         ${sensor.state} since ${sensor.since} (${sensor.reasonText})`,
          `Last seen:     ${sensor.lastSeenAt ?? 'never'}`,
          `Site / zone:   ${sensor.site?.name ?? '-'} / ${sensor.zone?.name ?? 'Unassigned'}`,
          `Versions:      core ${sensor.versions.core}, sensor-link ${sensor.versions.sensorLink}, protocol ${sensor.versions.protocol}`,
          `Clock drift:   ${sensor.clockDriftMs === null ? 'not reported yet' : `${sensor.clockDriftMs} ms`}`,
          health
            ? `Health:        ${health.packetsPerSecond} packets/s, ${health.bytesPerSecond} bytes/s, disk ${health.diskUsedPercent}% used, up ${health.uptimeSeconds} s (reported ${health.receivedAt})`
            : 'Health:        not reported yet',
          `Certificate:   serial ${sensor.certificate.serialNumber}, expires ${sensor.certificate.notAfter} (${sensor.certificate.expired ? 'EXPIRED' : `${sensor.certificate.daysLeft} days left`})`,
          `Enrolled:      ${sensor.enrolledAt}${sensor.revokedAt ? `, revoked ${sensor.revokedAt}` : ''}`,
        );
      },
    }),
  ];
}
