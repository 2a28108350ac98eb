/**
 * `users password-reset -u <user> -p <password>` (admins, 'users:manage'): the
 * same reset as the web console's, through the users service, which checks the
 * password policy, signs the user out everywhere and audits the reset. The user
 * must choose a new password at the next web sign-in.
 */
import { z } from 'zod';
import type { UsersService } from '../../modules/users/accounts/users-service.js';
import { AppError } from '../../platform/errors.js';
import { actorOf, defineCommand, lines, type CliCommand } from '../cli-command.js';

export function userCommands(users: () => UsersService): CliCommand[] {
  return [
    defineCommand({
      words: ['users', 'password-reset'],
      summary: "Sets a user's password; they must change it at their next sign-in",
      usage: '-u <user> -p <password>',
      permission: 'users:manage',
      positionals: [],
      options: { user: { kind: 'value', alias: 'u' }, password: { kind: 'value', alias: 'p' } },
      schema: z.strictObject({
        user: z.string('is missing: give the user name with -u').trim().min(1, 'must not be empty'),
        password: z.string('is missing: give the new password with -p').min(1, 'must not be empty'),
      }),
      async run(args, invocation) {
        const service = users();
        const user = await service.findByUsername(args.user);
        if (!user) throw new AppError('not_found', `No user is named ${args.user}.`);
        await service.resetPassword(String(user._id), args.password, { actor: actorOf(invocation), sourceAddress: invocation.sourceAddress });
        return lines(`Password of ${user.username} reset: they are signed out and must change it at their next sign-in.`);
      },
    }),
  ];
}
