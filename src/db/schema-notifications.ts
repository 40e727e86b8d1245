/** Notifications to people (the notifications feature); task assignment lives on `tasks`. */
export interface NotificationTables {
  notifications: NotificationTable;
  notification_settings: NotificationSettingTable;
  notification_digests: NotificationDigestTable;
}

export interface NotificationTable {
  id: string;
  user_id: string;
  /** task-opened | task-assigned (see docs/notifications.md) */
  kind: string;
  title: string;
  body: string;
  /** Console path of what the notification is about (made absolute with the public URL in mail). */
  link: string | null;
  subject_type: string;
  subject_id: string;
  created_at: string;
  read_at: string | null;
  /** none | pending (immediate mail) | daily | weekly (waiting for that digest) | sent | failed */
  email_status: string;
  email_attempts: number;
  email_next_at: string | null;
  /** A replica's lease while it sends the mail. */
  claimed_until: string | null;
  email_error: string | null;
  emailed_at: string | null;
  /** The digest that carried (or is carrying) it. */
  digest_id: string | null;
}

export interface NotificationSettingTable {
  user_id: string;
  /** immediate | daily | weekly | off */
  email: string;
  updated_at: string;
}

export interface NotificationDigestTable {
  id: string;
  user_id: string;
  /** daily | weekly */
  period: string;
  /** The period's first day (YYYY-MM-DD, a Monday for weekly digests). */
  period_key: string;
  /** ISO instant the period ended: items created before it belong to it. */
  period_end: string;
  /** pending | sent | failed */
  status: string;
  attempts: number;
  next_at: string;
  claimed_until: string | null;
  last_error: string | null;
  items: number;
  sent_at: string | null;
  created_at: string;
}
