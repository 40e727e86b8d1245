import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { systemClock } from '../clock.ts';
import { loadConfig } from '../config.ts';
import { systemContext } from '../context.ts';
import { openDatabase } from '../db/database.ts';
import { unusableDatabase } from '../db/errors.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createTransact } from '../db/transact.ts';
import { DomainError } from '../errors.ts';
import { auditRepo } from '../features/audit/audit.repo.ts';
import { createAuditLog } from '../features/audit/audit.service.ts';
import { loadOrCreateSigner } from '../features/audit/signing-key.ts';
import { identityRepo } from '../features/identity/identity.repo.ts';
import { createUserService } from '../features/identity/users.service.ts';
import { randomIds } from '../lib/ids.ts';
import { UsageError } from './client.ts';
import { print } from './output.ts';

function whoRuns(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
}

/**
 * Offline administration, run on the server's machine against its database (the same
 * STEWARD_DATABASE_URL / STEWARD_DATA_DIR and audit signing key as `serve`): the way back in when
 * no administrator can sign in. Every change is appended to the audit log like any other.
 */
export function adminCommands(program: Command): void {
  const admin = program
    .command('admin')
    .description("offline administration on the server's machine, against its database (no API, no token)");

  admin
    .command('reset-password')
    .description(
      "issue a new one-time password for <username> (ends the user's sessions and tokens; audited); run with the server's configuration",
    )
    .argument('<username>', 'the user whose password is reset, e.g. admin')
    .option('--json', 'print the result as JSON')
    .action(async (username: string, o: { json?: boolean }) => {
      const config = loadConfig();
      // A new key would start a second, unverifiable audit log: only the server's own key will do.
      if (!existsSync(config.audit.keyFile))
        throw new UsageError(
          `no audit signing key at ${config.audit.keyFile}; run this on the server's machine with its STEWARD_DATA_DIR (or STEWARD_AUDIT_KEY_FILE)`,
        );
      const signer = loadOrCreateSigner(config.audit.keyFile, config.audit.origin);
      const database = openDatabase(config.database);
      try {
        await migrateToLatest(database.db).catch((err: unknown) => {
          const unusable = unusableDatabase(err, config.database);
          throw unusable ? new UsageError(unusable) : err;
        });
        const audit = createAuditLog({ repo: auditRepo, signer, clock: systemClock });
        const transact = createTransact(database.db, database.dialect, {
          beforeCommit: (tx) => audit.checkpointIfGrown(tx),
        });
        const users = createUserService({
          db: database.db,
          transact,
          repo: identityRepo,
          audit,
          clock: systemClock,
          ids: randomIds,
          identityChanged: () => undefined,
          // A password reset grants no role.
          independentRoles: async () => new Set<string>(),
        });
        const ctx = {
          ...systemContext('cli-admin-reset-password'),
          source: `steward admin reset-password (${whoRuns()})`,
          reason: 'offline password recovery on the server machine',
        };
        const { user, oneTimePassword } = await users.resetPassword(ctx, username).catch((err: unknown) => {
          throw err instanceof DomainError ? new UsageError(err.message) : err;
        });
        print(
          o.json === true,
          { username: user.username, oneTimePassword, passwordChangeRequired: true },
          [
            `New one-time password for ${user.username}: ${oneTimePassword}`,
            'It must be changed at first sign-in; the previous sessions and API tokens are revoked.',
            'A server already running on SQLite keeps its cached credentials: restart it so the old tokens stop working.',
          ].join('\n'),
        );
      } finally {
        await database.close();
      }
    });
}
