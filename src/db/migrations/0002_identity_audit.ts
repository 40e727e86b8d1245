import { sql, SqliteAdapter, type Kysely } from 'kysely';

/** Teams, users, roles, tokens, sessions, and the append-only audit log with its Merkle tree. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('teams')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .execute();
  // Teams named by existing records become real teams.
  const now = new Date().toISOString();
  await sql`insert into teams (name, display_name, created_at) select distinct owner_team, owner_team, ${now} from use_cases where owner_team not in (select name from teams)`.execute(
    db,
  );
  await sql`insert into teams (name, display_name, created_at) select distinct owner_team, owner_team, ${now} from datasets where owner_team not in (select name from teams)`.execute(
    db,
  );

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('must_change_password', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('role_assignments')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .addColumn('granted_by', 'text')
    .addPrimaryKeyConstraint('role_assignments_pk', ['user_id', 'scope', 'role'])
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').column('user_id').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('csrf_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('source', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  // The stored event IS its Merkle leaf: canonical (RFC 8785) JSON text, hashed as stored. The
  // columns filters need are generated from it, so they can never disagree with the signed record.
  // On SQLite an INTEGER PRIMARY KEY is the rowid itself (64-bit), so a verification scan in seq
  // order reads each row once.
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const field = (path: string[]) =>
    sqlite ? sql.raw(`json_extract(leaf, '$.${path.join('.')}')`) : sql.raw(`(leaf::jsonb #>> '{${path.join(',')}}')`);
  await db.schema
    .createTable('audit_events')
    .addColumn('seq', sqlite ? 'integer' : 'bigint', (c) => c.primaryKey())
    .addColumn('leaf', 'text', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.generatedAlwaysAs(field(['time'])).stored())
    .addColumn('actor_id', 'text', (c) => c.generatedAlwaysAs(field(['actor', 'id'])).stored())
    .addColumn('action', 'text', (c) => c.generatedAlwaysAs(field(['action'])).stored())
    .addColumn('subject_type', 'text', (c) => c.generatedAlwaysAs(field(['subject', 'type'])).stored())
    .addColumn('subject_id', 'text', (c) => c.generatedAlwaysAs(field(['subject', 'id'])).stored())
    .execute();
  await db.schema
    .createIndex('audit_events_subject_idx')
    .on('audit_events')
    .columns(['subject_type', 'subject_id', 'seq'])
    .execute();
  await db.schema.createIndex('audit_events_actor_idx').on('audit_events').columns(['actor_id', 'seq']).execute();
  await db.schema.createIndex('audit_events_action_idx').on('audit_events').columns(['action', 'seq']).execute();
  await db.schema.createIndex('audit_events_time_idx').on('audit_events').column('time').execute();

  await db.schema
    .createTable('audit_nodes')
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_nodes_pk', ['level', 'idx'])
    .execute();

  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('frontier', 'text', (c) => c.notNull())
    .addColumn('checkpoint_size', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into audit_head (id, size, frontier, checkpoint_size) values (1, 0, '[]', 0)`.execute(db);

  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('tree_size', 'bigint', (c) => c.primaryKey())
    .addColumn('root_hash', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'audit_checkpoints',
    'audit_head',
    'audit_nodes',
    'audit_events',
    'sessions',
    'api_tokens',
    'role_assignments',
    'users',
    'teams',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
