import { Type } from 'typebox';
import { EMAIL_MODES } from '../../domain/notifications.ts';
import { Nullable, OpenObject, Uuid } from '../common/common.schema.ts';

export const EmailMode = Type.Enum([...EMAIL_MODES], {
  description: 'immediate: a mail per notification; daily or weekly: one digest mail per period; off: console only',
});

export const Notification = OpenObject({
  id: Type.String(),
  kind: Type.String({ description: 'task-opened or task-assigned (see docs/notifications.md)' }),
  title: Type.String(),
  body: Type.String(),
  link: Nullable(Type.String({ description: 'console path of what it is about' })),
  subject: OpenObject({ type: Type.String(), id: Type.String() }),
  createdAt: Type.String(),
  read: Type.Boolean(),
  readAt: Nullable(Type.String()),
  email: OpenObject(
    {
      status: Type.String({ description: 'none, pending, daily, weekly (waiting for the digest), sent, failed' }),
      attempts: Type.Integer(),
      error: Nullable(Type.String({ description: 'why the last attempt failed' })),
      sentAt: Nullable(Type.String()),
    },
    { description: 'how the notification is e-mailed, and what happened' },
  ),
});

export const NotificationPage = Type.Object({
  items: Type.Array(Notification),
  nextCursor: Nullable(Type.String()),
  unread: Type.Integer({ description: 'all of the caller’s unread notifications' }),
});

export const NotificationQuery = Type.Object(
  {
    unread: Type.Boolean({ default: false, description: 'only unread notifications' }),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const NotificationSettings = Type.Object({
  email: EmailMode,
  emailConfigured: Type.Boolean({ description: 'whether this server sends e-mail (STEWARD_SMTP_URL)' }),
});

export const NotificationSettingsBody = Type.Object({ email: EmailMode }, { additionalProperties: false });

export const AssignBody = Type.Object(
  {
    username: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'who takes the task: a person holding its role in its team',
    }),
  },
  { additionalProperties: false },
);

export const Assignment = Type.Object({
  id: Type.String({ description: 'the task' }),
  assignee: Nullable(OpenObject({ id: Type.String(), username: Type.String(), at: Type.String() })),
});

export const DeliveryReport = Type.Object({
  sent: Type.Integer({ description: 'immediate mails sent' }),
  retrying: Type.Integer({ description: 'mails or digests that failed and will be retried' }),
  failed: Type.Integer({ description: 'mails or digests given up after the last attempt' }),
  digests: Type.Integer({ description: 'digest mails sent' }),
});
