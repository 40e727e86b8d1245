/**
 * The domain events features emit to each other. A command emits inside its transaction; the
 * subscribers are wired in `src/app.ts` (see docs/ARCHITECTURE.md for who reacts to what).
 */
import type { RequestContext } from './context.ts';
import type { Tx } from './db/database.ts';
import type { Transact } from './db/transact.ts';
import { createEventBus, type EventBus } from './lib/event-bus.ts';
import type { VersionRecord } from './features/versions/versions.repo.ts';

export interface DomainEvents {
  /**
   * A version's evidence changed: an evaluation, document or registration check was recorded, a
   * monitor configured, a monitoring alert opened. Approvals it covered may be stale now.
   */
  'evidence.recorded': { ctx: RequestContext; versionId: string };
  /** A version was registered. */
  'version.created': { ctx: RequestContext; version: VersionRecord };
  /**
   * An alias is about to move to a version. A subscriber that throws refuses the move (an alias
   * serving an environment is a promotion there).
   */
  'alias.moving': { ctx: RequestContext; model: string; alias: string; version: number };
  /** A use case was (re-)assessed under a policy pack. */
  'use-case.assessed': { ctx: RequestContext; useCaseId: string };
  /**
   * A use case recorded its alignment with the current ethical position: the `ai-policy` measure
   * of it and its versions may be met now.
   */
  'use-case.aligned': { ctx: RequestContext; useCaseId: string };
  /** A version was signed (its record lists its signatures). */
  'version.signed': { ctx: RequestContext; model: string; version: number };
  /**
   * A regulation requirement took effect or lapsed for a use case (the regulatory change watch):
   * the measures its versions need changed without a re-assessment.
   */
  'regulation.changed': { ctx: RequestContext; useCaseId: string };
  /**
   * What a use case's or version's gates weigh besides evidence changed: a finding was raised,
   * re-graded or closed, an exception approved or expired. Open promotions are re-decided.
   */
  'requirements.changed': {
    ctx: RequestContext;
    subject: { type: 'use-case' | 'model-version'; id: string; useCaseId: string };
  };
  /**
   * Tasks were opened for a role in a team (sign-offs asked, RACI work, alerts, findings, expired
   * waivers, data-subject requests, regulatory changes): the people who hold the role are told.
   */
  'tasks.opened': { tasks: OpenedTask[] };
  /** Where a model's versions are deployed changed (a promotion completed and replaced a deployment). */
  'deployment.changed': { ctx: RequestContext; modelId: string };
  /**
   * A model was registered through the MLflow protocol without a use case and placed in the intake
   * use case: it awaits triage.
   */
  'model.intake': { ctx: RequestContext; modelId: string; name: string; useCaseId: string };
  /** A model in an intake use case was placed under a use case by its registration's tag. */
  'model.placed': { ctx: RequestContext; modelId: string; useCaseId: string };
  /**
   * Admission reviewed a workload whose model is not in the inventory: it names a model version
   * nobody registered, or runs images no version records.
   */
  'admission.unidentified': {
    ctx: RequestContext;
    namespace: string;
    workload: string;
    model: { name: string; version: number | null } | null;
    images: string[];
    allowed: boolean;
    reason: string;
  };
}

/** A task as the `tasks.opened` event carries it. */
export interface OpenedTask {
  id: string;
  kind: string;
  title: string;
  team: string;
  role: string;
  subject: { type: 'model-version' | 'use-case'; id: string };
  due: string;
}

export type DomainEventBus = EventBus<DomainEvents, Tx>;
/** What a service that emits needs. */
export type Emit = Pick<DomainEventBus, 'emit'>;

export const createDomainEventBus = (transact: Pick<Transact, 'afterCommit'>): DomainEventBus =>
  createEventBus<DomainEvents, Tx>((tx, fn) => transact.afterCommit(tx, fn));
