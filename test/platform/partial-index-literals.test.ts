import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

// A query that binds the value a partial index's predicate names (`where current = 1`) makes
// SQLite prepare the statement again before every run (it cannot tell at preparation whether the
// index applies). Such values are written into the SQL (`src/db/partial.ts`). This reads every
// partial index's `column = value` from the migrated schema and finds, in the files that name the
// index's table, a Kysely comparison binding that value.
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('partial index predicates', () => {
  it('are written into the SQL, never bound, wherever a query compares with them', async () => {
    const handle = openDatabase({ kind: 'sqlite', file: ':memory:' });
    await migrateToLatest(handle.db);
    const indexes = (await handle.db
      .selectFrom('sqlite_master' as never)
      .select(['tbl_name', 'sql'] as never)
      .where('type' as never, '=', 'index' as never)
      .execute()) as { tbl_name: string; sql: string | null }[];
    await handle.close();
    const predicates = indexes.flatMap(({ tbl_name, sql }) =>
      [...(sql?.split(/\swhere\s/i)[1] ?? '').matchAll(/"(\w+)"\s*=\s*('[^']*'|\d+)/g)].map((m) => ({
        table: tbl_name,
        column: m[1]!,
        value: m[2]!,
      })),
    );
    expect(predicates.map((p) => `${p.table}.${p.column}`).sort()).toEqual([
      'assessments.current',
      'policy_packs.status',
    ]);
    const found: string[] = [];
    for (const file of sources('src/features')) {
      const text = readFileSync(file, 'utf8');
      for (const p of predicates) {
        if (!new RegExp(`'${p.table}( as \\w+)?'`).test(text)) continue;
        // Not followed by a word character: `1` but not `10`; a quoted value ends in its quote.
        const bound = new RegExp(`'(\\w+\\.)?${p.column}',\\s*'=',\\s*${p.value}(?!\\w)`, 'g');
        for (const m of text.matchAll(bound)) found.push(`${file}: ${m[0]}`);
      }
    }
    expect(found).toEqual([]);
  });
});
