import { sql } from 'kysely';
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
import * as m0011 from './migrations/0011_document_reviews.ts';
import * as m0012 from './migrations/0012_champion_challenger.ts';
import * as m0013 from './migrations/0013_data_residency.ts';
import * as m0014 from './migrations/0014_shared_sign_in_limits.ts';
import * as m0015 from './migrations/0015_lineage.ts';
import * as m0016 from './migrations/0016_overview_indexes.ts';
import * as m0017 from './migrations/0017_findings.ts';
import * as m0018 from './migrations/0018_trainings.ts';
import * as m0019 from './migrations/0019_single_sign_on.ts';
import * as m0020 from './migrations/0020_discovery.ts';
import * as m0022 from './migrations/0022_governance_kpis.ts';
import * as m0023 from './migrations/0023_regulatory_watch.ts';
import * as m0024 from './migrations/0024_data_subject_requests.ts';
import * as m0025 from './migrations/0025_attestations.ts';
import * as m0026 from './migrations/0026_notifications.ts';
import * as m0030 from './migrations/0030_kpi_history_source.ts';
import * as m0031 from './migrations/0031_overview_paging.ts';
import * as m0032 from './migrations/0032_model_search.ts';
import * as m0033 from './migrations/0033_use_case_search.ts';

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
  '0011_document_reviews': m0011,
  '0012_champion_challenger': m0012,
  '0013_data_residency': m0013,
  '0014_shared_sign_in_limits': m0014,
  '0015_lineage': m0015,
  '0016_overview_indexes': m0016,
  '0017_findings': m0017,
  '0018_trainings': m0018,
  '0019_single_sign_on': m0019,
  '0020_discovery': m0020,
  '0022_governance_kpis': m0022,
  '0023_regulatory_watch': m0023,
  '0024_data_subject_requests': m0024,
  '0025_attestations': m0025,
  '0026_notifications': m0026,
  '0030_kpi_history_source': m0030,
  '0031_overview_paging': m0031,
  '0032_model_search': m0032,
  '0033_use_case_search': m0033,
};

/** The migrations this release knows, in the order they apply. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations);

const provider: MigrationProvider = { getMigrations: async () => migrations };

export function createMigrator(db: Db): Migrator {
  return new Migrator({ db, provider });
}

/** The database was migrated by a newer release of Steward than this one. */
export class NewerDatabaseError extends Error {
  override name = 'NewerDatabaseError';
}

/** Names of the migrations applied to the database ([] before the first). */
export async function appliedMigrations(db: Db): Promise<string[]> {
  try {
    const r = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    return r.rows.map((row) => row.name);
  } catch (err) {
    // No migrations table yet: SQLite says so in words, PostgreSQL by SQLSTATE 42P01.
    const e = err as { code?: string; message?: string };
    if (e.code === '42P01' || /no such table/.test(e.message ?? '')) return [];
    throw err;
  }
}

/**
 * Refuses a database that holds migrations this release does not know: a newer release migrated
 * it, and this code would misread its tables (migrations are forward-only; there is no downgrade).
 */
export async function refuseNewerDatabase(db: Db): Promise<void> {
  const known = new Set(MIGRATION_NAMES);
  const unknown = (await appliedMigrations(db)).filter((name) => !known.has(name));
  if (unknown.length > 0)
    throw new NewerDatabaseError(
      `the database was migrated by a newer Steward (migration${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} unknown to this release, whose latest is ${MIGRATION_NAMES.at(-1)}); run that release or newer, or restore a backup taken before the upgrade`,
    );
}

/** Applies every pending migration; throws with the failing migration's name on error. */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  await refuseNewerDatabase(db);
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
