import type { App } from '../../http/app-types.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { Feature } from '../feature.ts';
import { createDelivery, type DeliveryDeps } from './delivery.service.ts';
import { createDeliveryTimer } from './notifications.jobs.ts';
import { smtpMailer, type SmtpSettings } from './mailer.ts';
import { notificationsRepo } from './notifications.repo.ts';
import { notificationRoutes } from './notifications.routes.ts';
import { createNotificationsService, type NotificationsDeps } from './notifications.service.ts';

export interface NotificationsFeatureDeps extends CommandDeps {
  roleHolders: NotificationsDeps['roleHolders'];
  userByName: NotificationsDeps['userByName'];
  tasks: NotificationsDeps['tasks'];
  recipient: DeliveryDeps['recipient'];
  /** SMTP relay and From address; without them notifications stay in the console. */
  smtp: SmtpSettings | undefined;
  publicUrl: string | null;
  /** How often this process sends due mail; 0 leaves it to POST /notifications/deliveries. */
  deliverEveryMs: number;
  onError: (err: unknown) => void;
}

/** Notifications to people: in-app list, task assignment, e-mail immediately or in digests. */
export function createNotificationsFeature(deps: NotificationsFeatureDeps) {
  const { smtp, publicUrl, deliverEveryMs, onError, recipient, ...rest } = deps;
  const notifications = createNotificationsService({ ...rest, repo: notificationsRepo, email: smtp !== undefined });
  const mailer = smtp ? smtpMailer(smtp) : null;
  const delivery = createDelivery({
    db: deps.db,
    clock: deps.clock,
    ids: deps.ids,
    repo: notificationsRepo,
    mailer,
    publicUrl,
    recipient,
  });
  const timer =
    mailer && deliverEveryMs > 0 ? createDeliveryTimer({ delivery, everyMs: deliverEveryMs, onError }) : null;
  const services = { notifications, delivery };
  return {
    services,
    routes: (api: App) => notificationRoutes(api, { notifications, delivery }),
    on: (bus) => {
      // People holding the role of a task just opened are told, in the opening transaction.
      bus.on('tasks.opened', (tx, { tasks }) => notifications.tasksOpened(tx, tasks));
    },
    start: async () => timer?.start(),
    stop: async () => {
      await timer?.stop();
      mailer?.close();
    },
  } satisfies Feature<typeof services>;
}
