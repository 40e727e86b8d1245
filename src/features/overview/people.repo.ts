import type { Executor } from '../../db/database.ts';

/** Display names of people by id: what pages show where records keep a user id (reads only). */
export const peopleRepo = {
  async names(db: Executor, ids: string[]): Promise<{ id: string; displayName: string; username: string }[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('users')
      .select(['id', 'display_name', 'username'])
      .where('id', 'in', ids)
      .orderBy('display_name')
      .execute();
    return rows.map((r) => ({ id: r.id, displayName: r.display_name, username: r.username }));
  },
};
