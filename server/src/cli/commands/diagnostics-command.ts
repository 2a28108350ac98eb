/**
 * `system diagnostics` (admins): what support asks for first, on one screen and
 * free of secrets — versions, uptime, memory, load, free disk under the data
 * directory, listeners, components and sensor counts.
 */
import { statfs } from 'node:fs/promises';
import os from 'node:os';
import { z } from 'zod';
import type { ConsoleConfig } from '../../config/config-schema.js';
import type { ComponentRegistry } from '../../platform/components.js';
import { defineCommand, lines, type CliCommand } from '../cli-command.js';
import type { FleetLookup } from './fleet-lookup.js';
import { formatDuration } from './system-commands.js';

export interface DiagnosticsDeps {
  config: ConsoleConfig;
  components: ComponentRegistry;
  version: string;
  startedAt: Date;
  lookup: FleetLookup;
  /** Listener name → port actually listened on, read when the command runs. */
  listeners: () => Record<string, number | string>;
}

const MIB = 1024 * 1024;

async function freeDisk(directory: string): Promise<string> {
  try {
    const stats = await statfs(directory);
    const free = stats.bavail * stats.bsize;
    const total = stats.blocks * stats.bsize;
    return `${(free / 1024 / MIB).toFixed(1)} GiB free of ${(total / 1024 / MIB).toFixed(1)} GiB (${((free / total) * 100).toFixed(0)}%)`;
  } catch (error) {
    return `unknown (${(error as NodeJS.ErrnoException).code ?? 'stat failed'})`;
  }
}

export function diagnosticsCommand(deps: DiagnosticsDeps): CliCommand {
  return defineCommand({
    words: ['system', 'diagnostics'],
    summary: 'Versions, resources, listeners, components and sensor counts, for support',
    usage: '',
    permission: 'system:manage',
    positionals: [],
    options: {},
    schema: z.strictObject({}),
    async run() {
      const memory = process.memoryUsage();
      const states = await deps.lookup.sensors.aggregate<{ _id: string; count: number }>([{ $group: { _id: '$state', count: { $sum: 1 } } }]);
      const listeners = Object.entries(deps.listeners()).map(([name, port]) => `${name} ${deps.config.bindAddress}:${port}`);
      return lines(
        `Garrison ${deps.version}, Node.js ${process.version}, ${os.type()} ${os.release()} ${os.arch()}`,
        `Host: ${os.hostname()}, process ${process.pid}, up ${formatDuration(Date.now() - deps.startedAt.getTime())}`,
        `Memory: ${(memory.rss / MIB).toFixed(0)} MiB resident, heap ${(memory.heapUsed / MIB).toFixed(0)}/${(memory.heapTotal / MIB).toFixed(0)} MiB; machine ${(os.freemem() / MIB).toFixed(0)} MiB free of ${(os.totalmem() / MIB).toFixed(0)} MiB`,
        `Load: ${os.loadavg().map((load) => load.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`,
        `Data directory: ${deps.config.dataDir}, ${await freeDisk(deps.config.dataDir)}`,
        `Database: ${deps.config.mongodbUri ? 'MongoDB (MONGODB_URI)' : 'embedded FerretDB'}`,
        `Listeners: ${listeners.join(', ')}`,
        `Public hosts: ${deps.config.publicHosts.join(', ')}`,
        `Components: ${deps.components.list().map((component) => `${component.name}=${component.state}`).join(', ')} (overall ${deps.components.overall()})`,
        `Sensors: ${states.length === 0 ? 'none' : states.sort((a, b) => a._id.localeCompare(b._id)).map((row) => `${row._id} ${row.count}`).join(', ')}`,
      );
    },
  });
}
