import type { Kysely } from 'kysely';

/**
 * A case-folded copy of a model's name and description for text search: SQLite's lower() folds
 * only ASCII, so folding in JavaScript makes `q=über` find "Über" on both databases.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('models')
    .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  const rows = (await db.selectFrom('models').select(['id', 'name', 'description']).execute()) as {
    id: string;
    name: string;
    description: string;
  }[];
  for (const r of rows) {
    await db
      .updateTable('models')
      .set({ search_text: modelSearchText(r.name, r.description) })
      .where('id', '=', r.id)
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('models').dropColumn('search_text').execute();
}

// Frozen copy of the folding at the time of this migration (src/domain/search.ts is the live one).
const modelSearchText = (name: string, description: string): string => `${name}\n${description}`.toLowerCase();
