import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * On SQLite, a trigram index of the models' search text (FTS5), so the console's text search finds
 * its few matching models without reading every model's text (10,000 models: 1.3 ms a scan, 0.3
 * through the index). It only narrows: the search still checks each candidate's current text,
 * so the index need only hold every text a live model has. Rows are added when a model is created
 * or its text changes and are never deleted: a stale text is a candidate the check drops, and
 * nothing depends on rowids (which VACUUM may renumber). PostgreSQL reads the text as before.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  await sql`create virtual table models_search using fts5(model_id unindexed, search_text, tokenize = 'trigram')`.execute(
    db,
  );
  await sql`insert into models_search (model_id, search_text) select id, search_text from models`.execute(db);
  await sql`create trigger models_search_insert after insert on models begin
    insert into models_search (model_id, search_text) values (new.id, new.search_text);
  end`.execute(db);
  await sql`create trigger models_search_update after update of search_text on models
    when new.search_text is not old.search_text begin
    insert into models_search (model_id, search_text) values (new.id, new.search_text);
  end`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  await sql`drop trigger models_search_update`.execute(db);
  await sql`drop trigger models_search_insert`.execute(db);
  await sql`drop table models_search`.execute(db);
}
