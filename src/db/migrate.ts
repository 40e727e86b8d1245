import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Db } from './database.ts';
import * as m0001 from './migrations/0001_inventory.ts';
import * as m0002 from './migrations/0002_identity_audit.ts';
import * as m0003 from './migrations/0003_model_search.ts';
import * as m0004 from './migrations/0004_policy.ts';
import * as m0005 from './migrations/0005_evidence.ts';
import * as m0006 from './migrations/0006_lifecycle.ts';
import * as m0007 from './migrations/0007_webhooks.ts';
import * as m0008 from './migrations/0008_monitoring.ts';
import * as m0009 from './migrations/0009_model_deletion.ts';
import * as m0010 from './migrations/0010_role_grant_requests.ts';
import * as m0014 from './migrations/0014_overview_indexes.ts';

// Static imports keep migrations inside the compiled bundle and in a fixed order.
const migrations: Record<string, Migration> = {
  '0001_inventory': m0001,
  '0002_identity_audit': m0002,
  '0003_model_search': m0003,
  '0004_policy': m0004,
  '0005_evidence': m0005,
  '0006_lifecycle': m0006,
  '0007_webhooks': m0007,
  '0008_monitoring': m0008,
  '0009_model_deletion': m0009,
  '0010_role_grant_requests': m0010,
  '0014_overview_indexes': m0014,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export function createMigrator(db: Db): Migrator {
  return new Migrator({ db, provider });
}

/** Applies every pending migration; throws with the failing migration's name on error. */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const result = await createMigrator(db).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String((result.error as Error).message ?? result.error)}`, {
      cause: result.error,
    });
  }
  return result;
}

/** True when the database has every known migration applied. */
export async function isMigrated(db: Db): Promise<boolean> {
  try {
    const all = await createMigrator(db).getMigrations();
    return all.every((m) => m.executedAt !== undefined);
  } catch {
    return false;
  }
}
