/**
 * What a CLI command is. One file per command group (`commands/*.ts`) exports a
 * list of these; the registry dispatches a typed line to one of them.
 *
 * A command declares the one permission it needs (the same permissions as the
 * REST routes, http/permissions.ts), its positional argument names and options,
 * and a zod schema over `{ <positional>: string, <option>: string | true }`,
 * so every argument problem comes back as "address: must be an IP address"
 * followed by the usage line.
 */
import { z } from 'zod';
import type { Permission, Role } from '../http/permissions.js';
import type { AuditActor } from '../modules/audit/audit-chain.js';
import type { AuditEntry, AuditTrail } from '../modules/audit/audit-trail.js';
import type { UserRecord, UserScope } from '../modules/users/accounts/user-model.js';

export interface CliUser {
  id: string;
  username: string;
  role: Role;
  mustChangePassword: boolean;
  /** The user's site/zone scope as at sign-in (http/access-scope.ts); null: the whole fleet. */
  scope: UserScope | null;
}

/** The CLI user of a signed-in user record. */
export function cliUserOf(record: Pick<UserRecord, '_id' | 'username' | 'role' | 'mustChangePassword' | 'scope'>): CliUser {
  return {
    id: String(record._id),
    username: record.username,
    role: record.role,
    mustChangePassword: record.mustChangePassword,
    scope: record.scope ? { siteIds: [...record.scope.siteIds], zoneIds: [...record.scope.zoneIds] } : null,
  };
}

/** Who runs a command and from where: every state-changing command audits both. */
export interface CliInvocation {
  user: CliUser;
  sourceAddress: string | null;
  /** Asks a yes/no question (`<question> [Y/n]: `; Enter alone is yes) in an interactive session; absent where nobody can answer (exec). */
  ask?(question: string): Promise<boolean>;
}

export function actorOf(invocation: CliInvocation): AuditActor {
  return { kind: 'user', id: invocation.user.id, name: invocation.user.username };
}

/** Audits a command's successful action as done by the invoking user from its source address. */
export async function recordCliAction(audit: AuditTrail, invocation: CliInvocation, entry: Omit<AuditEntry, 'actor' | 'sourceAddress' | 'outcome'>): Promise<void> {
  await audit.record({ actor: actorOf(invocation), sourceAddress: invocation.sourceAddress, ...entry, outcome: 'success' });
}

/** An option such as `--zone Z` (`value`) or `--single-use` (`flag`), with an optional one-letter alias (`-u`). */
export interface CliOption {
  kind: 'value' | 'flag';
  alias?: string;
}

export interface CommandResult {
  /** Text for standard output (each line ends with a newline when written). */
  output: string[];
  /** Non-zero makes exec sessions exit with it; 0 by default. */
  exitCode?: number;
  /** Lines for standard error alongside a non-zero exit (e.g. "System is DOWN"). */
  errors?: string[];
}

export interface CliCommand<Schema extends z.ZodType = z.ZodType> {
  /** The words that name the command: ['sensors', 'list']. */
  words: string[];
  summary: string;
  /** The arguments part of the usage line: '<address>', '[--zone Z] [--state S]'. */
  usage: string;
  permission: Permission;
  positionals: string[];
  options: Record<string, CliOption>;
  schema: Schema;
  run(args: z.output<Schema>, invocation: CliInvocation): Promise<CommandResult>;
}

/** Keeps each command's `run` typed against its own schema while the list holds them all. */
export function defineCommand<Schema extends z.ZodType>(command: CliCommand<Schema>): CliCommand {
  return command as unknown as CliCommand;
}

const NO_ARGUMENTS = z.strictObject({});

/** A command that takes no arguments (`system version`, `network list`): no usage, positionals, options. */
export function defineCommandWithoutArguments(
  command: Pick<CliCommand, 'words' | 'summary' | 'permission'> & {
    run(args: z.output<typeof NO_ARGUMENTS>, invocation: CliInvocation): Promise<CommandResult>;
  },
): CliCommand {
  return defineCommand({ ...command, usage: '', positionals: [], options: {}, schema: NO_ARGUMENTS });
}

export function lines(...output: string[]): CommandResult {
  return { output };
}
