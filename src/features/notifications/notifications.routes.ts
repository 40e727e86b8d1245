import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody, fromQuery } from '../../http/input.ts';
import { Uuid } from '../common/common.schema.ts';
import { Type } from 'typebox';
import type { Delivery } from './delivery.service.ts';
import {
  AssignBody,
  Assignment,
  DeliveryReport,
  IdParams,
  Notification,
  NotificationPage,
  NotificationQuery,
  NotificationSettings,
  NotificationSettingsBody,
} from './notifications.schema.ts';
import type { NotificationsService } from './notifications.service.ts';

/** Each person's notifications and e-mail settings, task assignment, and running the mail delivery now. */
export function notificationRoutes(app: App, deps: { notifications: NotificationsService; delivery: Delivery }): void {
  const { notifications, delivery } = deps;
  const tags = ['notifications'];
  const auth = { auth: 'authenticated' as const };

  app.get(
    '/notifications',
    {
      config: auth,
      schema: {
        tags,
        summary: "The caller's notifications, newest first, with the unread count",
        querystring: NotificationQuery,
        response: { 200: NotificationPage },
      },
    },
    async (request) => {
      const { unread, limit, cursor } = request.query;
      return fromQuery(() => notifications.list(contextOf(request), { unread, limit, ...(cursor ? { cursor } : {}) }));
    },
  );

  app.get(
    '/notifications/unread-count',
    {
      config: auth,
      schema: {
        tags,
        summary: "How many of the caller's notifications are unread (the console's bell)",
        response: { 200: Type.Object({ unread: Type.Integer() }) },
      },
    },
    async (request) => notifications.unread(contextOf(request)),
  );

  app.post(
    '/notifications/:id/read',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Mark one of your notifications read',
        params: IdParams,
        response: { 200: Notification },
      },
    },
    async (request) => notifications.markRead(contextOf(request), request.params.id),
  );

  app.post(
    '/notifications/read-all',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Mark all your notifications read',
        response: { 200: Type.Object({ marked: Type.Integer() }) },
      },
    },
    async (request) => notifications.markAllRead(contextOf(request)),
  );

  app.get(
    '/users/me/notification-settings',
    {
      config: auth,
      schema: {
        tags,
        summary: 'How you are e-mailed about your notifications',
        response: { 200: NotificationSettings },
      },
    },
    async (request) => notifications.settings(contextOf(request)),
  );

  app.put(
    '/users/me/notification-settings',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Choose immediate mails, a daily or weekly digest, or no e-mail',
        body: NotificationSettingsBody,
        response: { 200: NotificationSettings },
      },
    },
    async (request) => fromBody(() => notifications.putSettings(contextOf(request), request.body)),
  );

  app.put(
    '/tasks/:id/assignee',
    {
      config: auth,
      schema: {
        tags: [...tags, 'lifecycle'],
        summary: 'Assign (or reassign) an open task to a person who holds its role in its team',
        description:
          'Whoever holds the task’s role in its team (or organisation-wide) may assign it, and so may a policy administrator. The assignee is notified.',
        params: Type.Object({ id: Uuid }, { additionalProperties: false }),
        body: AssignBody,
        response: { 200: Assignment },
      },
    },
    async (request) =>
      fromBody(() => notifications.assign(contextOf(request), request.params.id, request.body.username)),
  );

  app.delete(
    '/tasks/:id/assignee',
    {
      config: auth,
      schema: {
        tags: [...tags, 'lifecycle'],
        summary: 'Unassign an open task (it stays with everyone holding its role)',
        params: Type.Object({ id: Uuid }, { additionalProperties: false }),
        response: { 200: Assignment },
      },
    },
    async (request) => notifications.assign(contextOf(request), request.params.id, null),
  );

  app.post(
    '/notifications/deliveries',
    {
      config: { permission: 'policy:admin' },
      schema: {
        tags,
        summary: 'Send the due e-mail now: immediate mails, retries, and digests of periods that ended',
        response: { 200: DeliveryReport },
      },
    },
    async () => delivery.deliver(),
  );
}
