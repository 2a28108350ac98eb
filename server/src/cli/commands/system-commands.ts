/**
 * `system sanity`, `system version` and `date`, as in the appliance CLI.
 * `system sanity` reads the same ComponentRegistry as GET /api/v1/health, so
 * the CLI and the API never disagree; it exits 1 unless everything is up, so
 * a script can check it like the API's 503.
 */
import type { ComponentRegistry, ComponentStatus } from '../../platform/components.js';
import { defineCommandWithoutArguments, lines, type CliCommand } from '../cli-command.js';

export interface SystemCommandsDeps {
  components: ComponentRegistry;
  version: string;
  startedAt: Date;
  hostKeyFingerprint: () => string;
  now?: () => Date;
}


/** 3723.5 s → "1:02:03", days first when there are any: "2 days, 1:02:03". */
export function formatDuration(milliseconds: number): string {
  const totalSeconds = Math.max(0, Math.floor(milliseconds / 1000));
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const clock = `${hours}:${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`;
  return days > 0 ? `${days} day${days === 1 ? '' : 's'}, ${clock}` : clock;
}

/** `Thu Sep 29 18:38:23 UTC 2022`, the format of `date` on the appliance. */
export function formatUtcDate(date: Date): string {
  const [weekday, day, month, year, time] = date.toUTCString().replace(',', '').split(' ');
  return `${weekday} ${month} ${day} ${time} UTC ${year}`;
}

function sanityLine(component: ComponentStatus, now: Date): string {
  const mark = component.state === 'up' ? '+' : '-';
  const state =
    component.state === 'up' && component.upSince
      ? `Running for ${formatDuration(now.getTime() - component.upSince.getTime())}`
      : `${component.state[0]?.toUpperCase()}${component.state.slice(1)} since ${component.since.toISOString()}`;
  return `[${mark}] ${component.name} | ${state}${component.detail ? ` | ${component.detail}` : ''}`;
}

export function systemCommands(deps: SystemCommandsDeps): CliCommand[] {
  const now = deps.now ?? (() => new Date());
  return [
    defineCommandWithoutArguments({
      words: ['system', 'sanity'],
      summary: "Every console component's state and uptime, then whether the system is up",
      permission: 'console:read',
      async run() {
        const at = now();
        const components = deps.components.list();
        const overall = deps.components.overall();
        const output = components.map((component) => sanityLine(component, at));
        if (overall === 'up') return lines(...output, '', 'System is UP!');
        const notUp = components.filter((component) => component.state !== 'up').map((component) => `${component.name} (${component.state})`);
        const summary = `System is ${overall.toUpperCase()}: ${notUp.join(', ')}`;
        return { output: [...output, '', summary], errors: [summary], exitCode: 1 };
      },
    }),
    defineCommandWithoutArguments({
      words: ['system', 'version'],
      summary: "The console's version and its SSH host key fingerprint",
      permission: 'console:read',
      async run() {
        return lines(
          `Version: ${deps.version}`,
          `Up since: ${deps.startedAt.toISOString()} (${formatDuration(now().getTime() - deps.startedAt.getTime())})`,
          `SSH host key: ED25519 ${deps.hostKeyFingerprint()}`,
        );
      },
    }),
    defineCommandWithoutArguments({
      words: ['date'],
      summary: "The console's current date and time (UTC)",
      permission: 'console:read',
      async run() {
        return lines(formatUtcDate(now()));
      },
    }),
  ];
}
