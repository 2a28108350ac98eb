/**
 * The users module: console users and roles, sign-in sessions with CSRF
 * protection, failed sign-in lockout, API tokens, and the authentication
 * middleware in front of the whole API.
 *
 * Services for other modules:
 *   users   (UsersService)   look users up, create/change them (audited)
 *   signIn  (SignInService)  verifyPassword() for the SSH CLI, with lockout and audit
 */
import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { ensureFirstAdmin } from './accounts/first-admin.js';
import { PasswordHasher } from './accounts/password-hasher.js';
import { userModel } from './accounts/user-model.js';
import { usersRoutes } from './accounts/users-routes.js';
import { UsersService } from './accounts/users-service.js';
import { apiTokenRoutes } from './api-tokens/api-token-routes.js';
import { ApiTokenService } from './api-tokens/api-token-service.js';
import { authRoutes } from './auth/auth-routes.js';
import { publicRouteMismatches } from './auth/access-rules.js';
import { authenticationMiddleware } from './auth/authentication-middleware.js';
import { LockoutGuard } from './auth/lockout-guard.js';
import { pruneSignInRecordsJob } from './auth/prune-sign-in-records-job.js';
import { sessionPolicyOf, type SessionPolicy } from './auth/session-policy.js';
import { SessionService } from './auth/session-service.js';
import { SignInService } from './auth/sign-in-service.js';

declare module '../../platform/console-module.js' {
  interface ConsoleServices {
    users: UsersService;
    signIn: SignInService;
  }
}

export interface UsersModuleOptions {
  /** Session timeouts; tests shorten them instead of waiting half an hour. */
  sessionPolicy?: Partial<SessionPolicy>;
  /** The clock for sessions, lockout and tokens; tests move it. */
  now?: () => Date;
}

export function createUsersModule(context: ConsoleContext, options: UsersModuleOptions = {}): ConsoleModule {
  const now = options.now ?? (() => new Date());
  const logger = context.logger.child({ module: 'users' });
  // Looked up when first used: the audit module may come later in the module list.
  const audit = () => context.services.get('audit');
  const hasher = new PasswordHasher();
  const userRecords = userModel(context.connection);
  const sessions = new SessionService(context.connection, { ...sessionPolicyOf(context.config), ...options.sessionPolicy }, now);
  const users: UsersService = new UsersService({
    users: userRecords,
    hasher,
    audit,
    credentials: () => ({
      endSessionsOf: (userId, exceptSessionId) => sessions.endAllOf(userId, exceptSessionId),
      revokeTokensOf: (userId) => tokens.revokeAllOf(userId),
    }),
    now,
  });
  const tokens = new ApiTokenService(context.connection, users, audit, now);
  const lockout = new LockoutGuard(context.db, now);
  const signIn = new SignInService({
    users,
    hasher,
    lockout,
    audit,
    endSessionsOf: (userId, exceptSessionId) => sessions.endAllOf(userId, exceptSessionId),
    logger,
    dataDir: context.config.dataDir,
  });
  context.services.provide('users', users);
  context.services.provide('signIn', signIn);
  const pruneSignInRecords = pruneSignInRecordsJob(sessions, lockout);

  return {
    name: 'users',
    apiMiddleware: [authenticationMiddleware({ sessions, tokens, users })],
    apiRouters: [
      authRoutes({ catalogue: context.apiRoutes, signIn, sessions, users, lockout, audit }),
      usersRoutes(context.apiRoutes, users),
      apiTokenRoutes(context.apiRoutes, tokens),
    ],
    jobKinds: [pruneSignInRecords],
    async start() {
      // Every module's routes are described by now (routers are built when modules are created).
      const mismatches = publicRouteMismatches(context.apiRoutes.list());
      if (mismatches.length > 0) throw new Error(`Public API routes and the authentication allow-list disagree: ${mismatches.join('; ')}`);
      await ensureFirstAdmin({
        users: userRecords,
        hasher,
        audit: audit(),
        logger,
        dataDir: context.config.dataDir,
        adminPassword: context.config.adminPassword,
      });
      await context.scheduler.every('1 hour', pruneSignInRecords, {});
    },
  };
}
