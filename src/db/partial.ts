import { sql } from 'kysely';

// Values that partial indexes' predicates name (`where current = 1`, `where status = 'active'`),
// for queries to write into their SQL instead of binding. SQLite cannot know at preparation
// whether a bound value satisfies such a predicate, so it prepares the statement again before
// every run that binds one: several times the cost of the run itself on the hot reads.

/** `assessments.current = 1`: the use case's current assessment (`assessments_one_current`). */
export const CURRENT = sql.lit(1);

/** `policy_packs.status = 'active'`: the active policy pack (its partial unique index). */
export const ACTIVE = sql.lit('active');
