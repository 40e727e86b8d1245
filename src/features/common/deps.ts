import type { Clock } from '../../clock.ts';
import type { Executor } from '../../db/database.ts';
import type { Transact } from '../../db/transact.ts';
import type { IdSource } from '../../lib/ids.ts';
import type { AuditAppender } from '../audit/audit.service.ts';

/** What every service that executes audited commands needs, beside its own repositories. */
export interface CommandDeps {
  /** For reads outside a command. */
  db: Executor;
  transact: Transact;
  audit: AuditAppender;
  clock: Clock;
  ids: IdSource;
}
