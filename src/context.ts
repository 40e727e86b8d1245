/** Who is acting and from where; passed to every service command so records are attributable. */
import type { Principal } from './domain/authz.ts';

export interface Actor {
  id: string;
  name: string;
}

export interface RequestContext {
  /** The authenticated user; null only for the system itself (bootstrap, migrations). */
  principal: Principal | null;
  requestId: string;
  source: string | null;
  /** Why the caller made this change (Steward-Reason header), recorded in the audit trail. */
  reason: string | null;
}

export const systemContext = (requestId = 'system'): RequestContext => ({
  principal: null,
  requestId,
  source: null,
  reason: null,
});

/** The user id to record as creator of a row. */
export const actorId = (ctx: RequestContext): string | null => ctx.principal?.userId ?? null;
