import { describe, expect, it } from 'vitest';
import { databaseUnavailable } from '../../src/db/errors.ts';
import { useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

describe.each(DB_KINDS)('/readyz on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'readyz', () => {
    const t = useTestApp(kind);
    it('reports the database it reaches, without authentication', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        status: 'ok',
        database: { kind, reachable: true, migrated: true, latencyMs: expect.any(Number) },
      });
    });
  });
});

describe('a database that cannot be reached', () => {
  it('is told from errors of the request itself', () => {
    for (const unreachable of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated unexpectedly'),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      new Error('migration failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }),
    ])
      expect(databaseUnavailable(unreachable), unreachable.message).toBe(true);
    for (const other of [
      new Error('boom'),
      Object.assign(new Error('duplicate key'), { code: '23505' }),
      Object.assign(new Error('syntax error'), { code: '42601' }),
      null,
    ])
      expect(databaseUnavailable(other)).toBe(false);
  });
});
