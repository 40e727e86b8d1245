import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * On SQLite, a trigram index of the use cases' names (FTS5), beside the models' (`0032`): the
 * console's text search found the use cases whose names match by reading every name (2,000 use
 * cases: 0.5 ms a search). Like the models' index it only narrows: the search checks each
 * candidate's current name, so rows are added when a use case is created or renamed and never
 * deleted. PostgreSQL reads the names as before.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  await sql`create virtual table use_cases_search using fts5(use_case_id unindexed, name, tokenize = 'trigram')`.execute(
    db,
  );
  await sql`insert into use_cases_search (use_case_id, name) select id, name from use_cases`.execute(db);
  await sql`create trigger use_cases_search_insert after insert on use_cases begin
    insert into use_cases_search (use_case_id, name) values (new.id, new.name);
  end`.execute(db);
  await sql`create trigger use_cases_search_update after update of name on use_cases
    when new.name is not old.name begin
    insert into use_cases_search (use_case_id, name) values (new.id, new.name);
  end`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  await sql`drop trigger use_cases_search_update`.execute(db);
  await sql`drop trigger use_cases_search_insert`.execute(db);
  await sql`drop table use_cases_search`.execute(db);
}
