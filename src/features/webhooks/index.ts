import type { Config } from '../../config.ts';
import type { App } from '../../http/app-types.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Feature, FeatureDeps } from '../feature.ts';
import { createDispatcher, DEFAULT_DISPATCH, type DispatcherOptions } from './dispatcher.ts';
import { createEgress } from './egress.ts';
import { webhookRepo } from './webhooks.repo.ts';
import { webhookRoutes } from './webhooks.routes.ts';
import { createWebhookService } from './webhooks.service.ts';

export interface WebhooksFeatureDeps extends FeatureDeps {
  audit: AuditLog;
  /** Cache the active subscriptions in-process (only where this process sees every write). */
  cache: boolean;
  /** Internal hosts and networks webhooks may target (all others internal are refused). */
  allowHosts: Config['webhookAllowHosts'];
  /** Delivery timing; `dispatch: false` leaves deliveries queued (tests). */
  dispatch: (Partial<DispatcherOptions> & { dispatch?: boolean }) | undefined;
  onError: (err: unknown) => void;
}

/** Webhook subscriptions: every audited event is published, delivered with signatures and retries. */
export function createWebhooksFeature(deps: WebhooksFeatureDeps) {
  const egress = createEgress(deps.allowHosts);
  const webhooks = createWebhookService({ ...deps, repo: webhookRepo, egress });
  // Every audited event is also published to subscribers, from the event's own transaction.
  deps.audit.onAppend(webhooks.publish);
  const { dispatch: enabled, ...timing } = deps.dispatch ?? {};
  const dispatcher =
    enabled === false
      ? null
      : createDispatcher({
          db: deps.db,
          repo: webhookRepo,
          clock: deps.clock,
          options: { ...DEFAULT_DISPATCH, ...timing },
          egress,
          onError: deps.onError,
        });
  const services = { webhooks };
  return {
    services,
    routes: (api: App) => webhookRoutes(api, webhooks),
    start: async () => dispatcher?.start(),
    stop: async () => dispatcher?.stop(),
  } satisfies Feature<typeof services>;
}
