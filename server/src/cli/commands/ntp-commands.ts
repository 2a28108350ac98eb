/**
 * `ntp enable <address>`, `ntp disable <address>`, `ntp status`. The console's
 * NTP servers are the global default settings (DESIGN.md § 3), so enabling one
 * here pushes it to every sensor that does not override NTP at a narrower
 * scope: the change goes through the settings service (revision bump, push)
 * and is audited like a save from the web console.
 */
import { z } from 'zod';
import { isHostAddress } from '../../config/config-schema.js';
import type { AuditTrail } from '../../modules/audit/audit-trail.js';
import { scopeKey } from '../../modules/settings/settings-model.js';
import { presentScope } from '../../modules/settings/settings-presenter.js';
import type { ScopeRef, SettingsService } from '../../modules/settings/settings-service.js';
import { AppError } from '../../platform/errors.js';
import { actorOf, defineCommand, defineCommandWithoutArguments, lines, type CliCommand, type CliInvocation } from '../cli-command.js';

export interface NtpCommandsDeps {
  settings: () => SettingsService;
  audit: () => AuditTrail;
}

interface NtpServer {
  address: string;
  port: number;
}

interface NtpSection {
  enabled: boolean;
  servers: NtpServer[];
}

const GLOBAL: ScopeRef = { kind: 'global', id: null };
const addressArgument = z.strictObject({
  address: z
    .string('is missing: give the NTP server, e.g. 129.6.15.28')
    .trim()
    .refine(isHostAddress, 'must be an IP address or host name of an NTP server (port 123)'),
});

function ntpOf(settings: Record<string, unknown>): NtpSection | null {
  const ntp = settings.ntp as Partial<NtpSection> | undefined;
  if (!ntp) return null;
  return { enabled: ntp.enabled === true, servers: Array.isArray(ntp.servers) ? ntp.servers : [] };
}

export function ntpCommands(deps: NtpCommandsDeps): CliCommand[] {
  async function change(invocation: CliInvocation, address: string, enable: boolean): Promise<string> {
    const settings = deps.settings();
    const current = presentScope(await settings.getScope(GLOBAL));
    const ntp = ntpOf(current.settings) ?? { enabled: false, servers: [] };
    const key = address.toLowerCase();
    const listed = ntp.servers.some((server) => server.address.toLowerCase() === key);
    let next: NtpSection;
    if (enable) {
      if (listed && ntp.enabled) return `NTP server ${address} is already enabled.`;
      next = { enabled: true, servers: listed ? ntp.servers : [...ntp.servers, { address, port: 123 }] };
    } else {
      if (!listed) throw new AppError('not_found', `${address} is not one of the console's NTP servers (see "ntp status").`);
      const servers = ntp.servers.filter((server) => server.address.toLowerCase() !== key);
      next = { enabled: servers.length > 0 && ntp.enabled, servers };
    }
    const saved = await settings.saveScope(GLOBAL, current.revision, { ...current.settings, ntp: next }, invocation.user.username);
    await deps.audit().record({
      actor: actorOf(invocation),
      sourceAddress: invocation.sourceAddress,
      action: 'settings.updated',
      target: { kind: 'settings', id: scopeKey('global', null), name: 'Global settings' },
      outcome: 'success',
      reason: `${enable ? 'ntp enable' : 'ntp disable'} ${address} via ssh (revision ${saved.after.revision})`,
      before: current,
      after: presentScope(saved.after),
    });
    const state = next.enabled ? `NTP is on with ${next.servers.map((server) => server.address).join(', ')}` : 'NTP is off';
    return `${enable ? 'Enabled' : 'Disabled'} NTP server ${address}. ${state} (settings revision ${saved.after.revision}, pushed to sensors).`;
  }

  return [
    defineCommand({
      words: ['ntp', 'enable'],
      summary: 'Adds an NTP server to the console and to every sensor (global settings)',
      usage: '<address>',
      permission: 'settings:write',
      positionals: ['address'],
      options: {},
      schema: addressArgument,
      async run(args, invocation) {
        return lines(await change(invocation, args.address, true));
      },
    }),
    defineCommand({
      words: ['ntp', 'disable'],
      summary: 'Removes an NTP server from the console and the sensors (global settings)',
      usage: '<address>',
      permission: 'settings:write',
      positionals: ['address'],
      options: {},
      schema: addressArgument,
      async run(args, invocation) {
        return lines(await change(invocation, args.address, false));
      },
    }),
    defineCommandWithoutArguments({
      words: ['ntp', 'status'],
      summary: "The console's NTP servers (the global default every sensor inherits)",
      permission: 'settings:read',
      async run() {
        const current = presentScope(await deps.settings().getScope(GLOBAL));
        const ntp = ntpOf(current.settings);
        if (!ntp || ntp.servers.length === 0) return lines('NTP: off (no server configured). Use "ntp enable <address>".');
        return lines(
          `NTP: ${ntp.enabled ? 'on' : 'off'}`,
          ...ntp.servers.map((server) => `  server ${server.address}${server.port === 123 ? '' : `:${server.port}`}`),
          `Global settings revision ${current.revision}${current.updatedBy ? `, last saved by ${current.updatedBy}` : ''}`,
        );
      },
    }),
  ];
}
