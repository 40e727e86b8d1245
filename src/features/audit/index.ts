import type { Clock } from '../../clock.ts';
import type { Executor } from '../../db/database.ts';
import type { Transact } from '../../db/transact.ts';
import type { App } from '../../http/app-types.ts';
import type { Feature } from '../feature.ts';
import { auditRepo } from './audit.repo.ts';
import { auditRoutes } from './audit.routes.ts';
import { auditSearchRoutes } from './audit-search.routes.ts';
import { createAuditSearch } from './audit-search.service.ts';
import { createAuditLog, type AuditLog } from './audit.service.ts';
import type { AuditSigner } from './signing-key.ts';

/**
 * The tamper-evident audit trail. Created before every other feature: each of them appends to it
 * inside its own commands' transactions.
 */
export function createAuditFeature(deps: { db: Executor; signer: AuditSigner; clock: Clock }) {
  const audit = createAuditLog({ repo: auditRepo, signer: deps.signer, clock: deps.clock });
  const services = { audit };
  return {
    services,
    routes: (api: App) => auditRoutes(api, { audit, db: deps.db }),
  } satisfies Feature<typeof services>;
}

/**
 * Searching and exporting the trail for people: names for subjects, words for actions. Created once
 * the transaction runner exists (it is built on the audit log), since an export is audited.
 */
export function createAuditSearchFeature(deps: { db: Executor; transact: Transact; audit: AuditLog }) {
  const search = createAuditSearch({ db: deps.db, repo: auditRepo, transact: deps.transact, audit: deps.audit });
  const services = { search };
  return {
    services,
    routes: (api: App) => auditSearchRoutes(api, { search }),
  } satisfies Feature<typeof services>;
}

export type { AuditLog } from './audit.service.ts';
export { createRefusalLog } from './refusals.ts';
export type { RecordRefusal } from './refusals.ts';

/** Reads of the log for features that export it (examination packs). */
export const auditReaders = {
  checkpointTimes: (db: Executor) => auditRepo.checkpointTimes(db),
  /** Stored leaves after `afterSeq`, in seq order, at most `limit`. */
  leaves: (db: Executor, afterSeq: number, limit: number) => auditRepo.leaves(db, afterSeq, limit),
};
