import path from 'node:path';
import { configFields, type ConsoleConfig } from './config-schema.js';

export interface ConfigProblem {
  variable: string;
  message: string;
}

/** Thrown when the environment holds bad values; `message` lists every one, one per line. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(
      `Garrison cannot start: the configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((problem) => `  - ${problem.variable}: ${problem.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Parses the configuration from environment variables, once, synchronously.
 * An empty variable counts as unset. Throws ConfigError naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const fields = configFields(env);
  const problems: ConfigProblem[] = [];
  const values: Record<string, unknown> = {};

  for (const [key, field] of Object.entries(fields)) {
    const raw = env[field.variable];
    const input = raw === undefined || raw === '' ? field.fallback : raw;
    const result = field.schema.safeParse(input);
    if (result.success) {
      values[key] = result.data;
    } else {
      for (const issue of result.error.issues) {
        const where = issue.path.length > 0 ? ` (item ${issue.path.join('.')})` : '';
        const got = 'secret' in field && field.secret ? '' : `; got ${JSON.stringify(raw)}`;
        problems.push({ variable: field.variable, message: `${issue.message}${where}${got}` });
      }
    }
  }

  const ports = ['httpsPort', 'linkPort', 'sshPort', 'snmpPort'] as const;
  const seen = new Map<number, string>();
  for (const key of ports) {
    const value = values[key];
    if (typeof value !== 'number' || value === 0) continue;
    const other = seen.get(value);
    if (other && key !== 'snmpPort' && other !== 'snmpPort') {
      problems.push({ variable: fields[key].variable, message: `port ${value} is already used by ${other}` });
    }
    seen.set(value, fields[key].variable);
  }

  const { sessionIdleMinutes, sessionAbsoluteHours } = values;
  if (typeof sessionIdleMinutes === 'number' && typeof sessionAbsoluteHours === 'number' && sessionAbsoluteHours * 60 < sessionIdleMinutes) {
    problems.push({
      variable: fields.sessionAbsoluteHours.variable,
      message: `must not be shorter than GARRISON_SESSION_IDLE_MINUTES (${sessionIdleMinutes} minutes); got ${sessionAbsoluteHours} hours`,
    });
  }

  if (problems.length > 0) throw new ConfigError(problems);
  const config = values as ConsoleConfig;
  return { ...config, dataDir: path.resolve(config.dataDir) };
}
