import type { DomainEventBus, Emit } from '../events.ts';
import type { App } from '../http/app-types.ts';
import type { JobHandler } from '../jobs/queue.ts';
import type { CommandDeps } from './common/deps.ts';

/**
 * What every `src/features/<x>/index.ts` returns from `createXFeature(deps)`. The index only wires:
 * it builds the feature's services from their narrowed dependencies and says what it mounts,
 * which background jobs it handles and which other features' events it reacts to.
 */
export interface Feature<S> {
  services: S;
  /**
   * Shared JSON schemas (with `$id`) the routes refer to, registered on the root so every scope keeps
   * the application's validator compiler.
   */
  schemas?: object[];
  /** Mounts the feature's routes on the `/api/v1` scope. */
  routes?: (api: App) => void | Promise<void>;
  /** Mounts routes outside `/api/v1` (the MLflow protocol's own prefixes). */
  rootRoutes?: (app: App) => void | Promise<void>;
  /** Background job handlers by queue name. */
  jobs?: Record<string, JobHandler>;
  /** Subscribes the feature's reactions to domain events (called once, while the app is composed). */
  on?: (bus: Subscribe) => void;
  /** Starts background work once the server is ready (after migrations); `stop` ends it on close. */
  start?: () => Promise<void>;
  stop?: () => Promise<void>;
}

export type Subscribe = Pick<DomainEventBus, 'on' | 'afterCommit'>;

/** What a feature that runs audited commands and emits events is given. */
export interface FeatureDeps extends CommandDeps {
  events: Emit;
}
