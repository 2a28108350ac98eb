/**
 * The CLI's commands and the one way a typed line is run: split into words,
 * find the command by its longest matching name, check the user's permission,
 * parse the arguments with the command's zod schema, run it. Whatever goes
 * wrong comes back as a CommandResult with a sentence on standard error and a
 * non-zero exit status, never as an exception, so one bad line never ends a
 * session. Exit statuses: 1 failed, 2 bad arguments, 3 not allowed, 127 unknown.
 */
import { ROLE_LABELS, roleAllows } from '../http/permissions.js';
import { isAppError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { fieldProblems } from '../platform/validation.js';
import type { CliCommand, CliInvocation, CommandResult } from './cli-command.js';
import { CommandLineError, namedArguments, splitWords } from './command-line.js';

export const EXIT = { failed: 1, usage: 2, forbidden: 3, unknown: 127 } as const;

function failure(exitCode: number, ...errors: string[]): CommandResult {
  return { output: [], errors, exitCode };
}

export class CommandRegistry {
  private readonly commands: CliCommand[] = [];

  constructor(private readonly logger: Logger) {}

  add(commands: CliCommand[]): void {
    for (const command of commands) {
      const name = command.words.join(' ');
      if (this.commands.some((known) => known.words.join(' ') === name)) throw new Error(`CLI command "${name}" is defined twice`);
      this.commands.push(command);
    }
  }

  /** The commands a user may run, in help order. */
  allowedFor(invocation: CliInvocation): CliCommand[] {
    return this.commands
      .filter((command) => roleAllows(invocation.user.role, command.permission))
      .sort((a, b) => a.words.join(' ').localeCompare(b.words.join(' ')));
  }

  usageOf(command: CliCommand): string {
    return `Usage: ${[...command.words, command.usage].filter((part) => part.length > 0).join(' ')}`;
  }

  /** Words that could follow `typed` (for tab completion), among the commands the user may run. */
  completions(typed: string, invocation: CliInvocation): string[] {
    const words = typed.split(/\s+/);
    const partial = words.pop() ?? '';
    const candidates = new Set<string>();
    for (const command of [...this.allowedFor(invocation), ...BUILT_INS]) {
      const names = 'words' in command ? command.words : [command.name];
      if (names.length <= words.length || !words.every((word, index) => names[index] === word)) continue;
      const next = names[words.length] ?? '';
      if (next.startsWith(partial)) candidates.add(next);
    }
    return [...candidates].sort();
  }

  async run(line: string, invocation: CliInvocation): Promise<CommandResult> {
    let words: string[];
    try {
      words = splitWords(line);
    } catch (error) {
      return failure(EXIT.usage, (error as Error).message);
    }
    if (words.length === 0) return { output: [] };
    if (words[0] === 'help') return this.help(words.slice(1), invocation);

    const command = this.find(words);
    if (!command) {
      return failure(EXIT.unknown, `Unknown command: ${words.slice(0, 2).join(' ')}. Type "help" to see the commands you can run.`);
    }
    if (!roleAllows(invocation.user.role, command.permission)) {
      return failure(EXIT.forbidden, `Your role (${ROLE_LABELS[invocation.user.role]}) does not allow "${command.words.join(' ')}" (${command.permission}).`);
    }
    if (invocation.user.mustChangePassword) {
      return failure(EXIT.forbidden, 'Your password was reset: change it in the web console before using the CLI.');
    }
    let args: unknown;
    try {
      const named = namedArguments(words.slice(command.words.length), command.positionals, command.options);
      const parsed = command.schema.safeParse(named);
      if (!parsed.success) {
        const problems = fieldProblems(parsed.error).map((problem) => `${problem.path}: ${problem.message}`);
        return failure(EXIT.usage, `Invalid arguments: ${problems.join('; ')}`, this.usageOf(command));
      }
      args = parsed.data;
    } catch (error) {
      if (error instanceof CommandLineError) return failure(EXIT.usage, error.message, this.usageOf(command));
      throw error;
    }
    try {
      return await command.run(args, invocation);
    } catch (error) {
      if (isAppError(error)) return failure(error.code === 'forbidden' ? EXIT.forbidden : EXIT.failed, error.message);
      this.logger.error({ err: error, command: command.words.join(' '), user: invocation.user.username }, 'CLI command failed');
      return failure(EXIT.failed, 'The command failed because of an internal error; the console log has the details.');
    }
  }

  private find(words: string[]): CliCommand | undefined {
    return this.commands
      .filter((command) => command.words.every((word, index) => words[index] === word))
      .sort((a, b) => b.words.length - a.words.length)[0];
  }

  private help(topic: string[], invocation: CliInvocation): CommandResult {
    const allowed = this.allowedFor(invocation);
    if (topic.length > 0) {
      const matching = allowed.filter((command) => topic.every((word, index) => command.words[index] === word));
      if (matching.length === 0) return failure(EXIT.unknown, `No command you can run starts with "${topic.join(' ')}". Type "help" for the list.`);
      return { output: matching.flatMap((command) => [this.usageOf(command), `    ${command.summary}`]) };
    }
    const width = Math.max(...allowed.map((command) => command.words.join(' ').length), 4);
    return {
      output: [
        'Commands you can run:',
        ...allowed.map((command) => `  ${command.words.join(' ').padEnd(width)}  ${command.summary}`),
        ...BUILT_INS.map((builtIn) => `  ${builtIn.name.padEnd(width)}  ${builtIn.summary}`),
        'Type "help <command>" for its arguments.',
      ],
    };
  }
}

/** Words the shell itself understands, listed in help and completed with tab. */
const BUILT_INS = [
  { name: 'help', summary: 'List the commands, or "help <command>" for one' },
  { name: 'exit', summary: 'Sign out (ctrl-d does the same)' },
] as const;
