import { describe, expect, it } from 'vitest';
import { grouped, keyed } from '../../src/db/chunks.ts';

describe('grouped reads', () => {
  it('reads each distinct key once, in statement-sized parts, and groups the rows in the order read', async () => {
    const parts: string[][] = [];
    const rows = [
      { key: 'b', n: 1 },
      { key: 'a', n: 2 },
      { key: 'b', n: 3 },
      { key: 'stray', n: 4 },
    ];
    const out = await grouped(
      ['a', 'b', 'c', 'a', 'd'],
      async (part) => {
        parts.push(part);
        return rows.filter((r) => part.includes(r.key) || r.key === 'stray');
      },
      (r) => r.key,
      2,
    );
    expect(parts).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect([...out.keys()]).toEqual(['a', 'b', 'c', 'd']);
    expect(out.get('b')!.map((r) => r.n)).toEqual([1, 3]);
    // Keys without rows are present and empty; rows for keys not asked for are dropped.
    expect(out.get('c')).toEqual([]);
    expect(out.has('stray')).toBe(false);
  });

  it('reads nothing for no keys', async () => {
    let reads = 0;
    const out = await grouped([], async () => (reads++, []), String);
    expect(out.size).toBe(0);
    expect(reads).toBe(0);
  });

  it('keeps one row a key for reads that match at most one, and none for keys without a row', async () => {
    const out = await keyed(
      ['a', 'b', 'c'],
      async (part) => [{ key: 'b' }, { key: 'a' }].filter((r) => part.includes(r.key)),
      (r) => r.key,
    );
    expect([...out.keys()].sort()).toEqual(['a', 'b']);
    expect(out.get('a')).toEqual({ key: 'a' });
    expect(out.has('c')).toBe(false);
  });
});
