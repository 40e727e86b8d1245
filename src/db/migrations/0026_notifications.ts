import type { Kysely } from 'kysely';

/**
 * Notifications to people. A task can be assigned to one person (who holds its role in its team);
 * the username is kept beside the id because usernames never change and the inbox shows it without
 * reading identity. Each notification belongs to one user and carries its own e-mail state
 * (`none`, `pending` immediate mail, `daily` or `weekly` waiting for that digest, `sent`, `failed`);
 * `claimed_until` is the lease a replica takes before sending, so a mail leaves once. Digests are
 * one row per user and period (unique), which is what makes a digest go out once per period even
 * when several replicas run the job.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('assignee', 'text').execute();
  await db.schema.alterTable('tasks').addColumn('assignee_name', 'text').execute();
  await db.schema.alterTable('tasks').addColumn('assigned_at', 'text').execute();
  await db.schema.createIndex('tasks_assignee_idx').on('tasks').columns(['assignee', 'status']).execute();

  await db.schema
    .createTable('notification_settings')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('notification_digests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('period_key', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_at', 'text', (c) => c.notNull())
    .addColumn('claimed_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('items', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sent_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('notification_digests_period_uq', ['user_id', 'period', 'period_key'])
    .execute();
  await db.schema
    .createIndex('notification_digests_due_idx')
    .on('notification_digests')
    .columns(['status', 'next_at'])
    .execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('link', 'text')
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('read_at', 'text')
    .addColumn('email_status', 'text', (c) => c.notNull())
    .addColumn('email_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('email_next_at', 'text')
    .addColumn('claimed_until', 'text')
    .addColumn('email_error', 'text')
    .addColumn('emailed_at', 'text')
    .addColumn('digest_id', 'text')
    .execute();
  await db.schema
    .createIndex('notifications_user_idx')
    .on('notifications')
    .columns(['user_id', 'read_at', 'id'])
    .execute();
  await db.schema
    .createIndex('notifications_email_idx')
    .on('notifications')
    .columns(['email_status', 'email_next_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notifications').execute();
  await db.schema.dropTable('notification_digests').execute();
  await db.schema.dropTable('notification_settings').execute();
  await db.schema.dropIndex('tasks_assignee_idx').execute();
  for (const c of ['assigned_at', 'assignee_name', 'assignee'])
    await db.schema.alterTable('tasks').dropColumn(c).execute();
}
