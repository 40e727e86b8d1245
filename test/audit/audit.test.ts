import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { verifyCheckpointNote } from '../../src/domain/checkpoint.ts';
import { verifyConsistency, verifyInclusion } from '../../src/domain/merkle.ts';
import { call, expectProblem, seedModel, seedUseCase, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

const hex = (s: string) => Buffer.from(s, 'hex');

describe.each(DB_KINDS)('audit trail on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);

    it('records every state change with actor, subject, before/after, reason, request id and source', async () => {
      const uc = await seedUseCase(t.app, 'audited');
      await seedModel(t.app, 'audited-model', uc);
      const v = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/audited-model/versions',
        body: { artifactUri: 's3://a', artifactDigest: `sha256:${'1'.repeat(64)}` },
        headers: { 'steward-reason': 'first candidate for review', 'x-request-id': 'req-audit-1' },
      });
      await call(t.app, { method: 'PATCH', url: '/api/v1/models/audited-model', body: { description: 'changed' } });
      await call(t.app, { method: 'PUT', url: '/api/v1/models/audited-model/aliases/champion', body: { version: 1 } });
      await call(t.app, { method: 'DELETE', url: '/api/v1/models/audited-model/aliases/champion' });

      const events = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?limit=1000' })).body
        .items as Record<string, any>[];
      const actions = events.map((e) => e.action);
      expect(actions.slice(0, 2)).toEqual(['user.create', 'token.create']);
      for (const a of [
        'team.create',
        'use-case.create',
        'model.create',
        'version.create',
        'model.update',
        'alias.set',
        'alias.delete',
      ])
        expect(actions).toContain(a);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));

      const created = events.find((e) => e.action === 'version.create')!;
      expect(created).toMatchObject({
        actor: { kind: 'user', name: 'Administrator' },
        subject: { type: 'model-version', id: v.body.id },
        before: null,
        after: { model: 'audited-model', version: 1, artifactDigest: `sha256:${'1'.repeat(64)}` },
        reason: 'first candidate for review',
        requestId: 'req-audit-1',
      });
      expect(created.actor.token).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.source).toBeTruthy();
      const updated = events.find((e) => e.action === 'model.update')!;
      expect(updated.before.description).toBe('');
      expect(updated.after.description).toBe('changed');
      expect(events[0]!.actor).toEqual({ kind: 'system', id: null, name: 'Steward', token: null });

      const filtered = await call(t.app, {
        method: 'GET',
        url: `/api/v1/audit/events?subjectType=model-version&subjectId=${v.body.id}`,
      });
      expect(filtered.body.items.map((e: { action: string }) => e.action)).toEqual(['version.create']);
      const byAction = await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=alias.set' });
      expect(byAction.body.items).toHaveLength(1);
      const page1 = await call(t.app, { method: 'GET', url: '/api/v1/audit/events?limit=2' });
      const page2 = await call(t.app, {
        method: 'GET',
        url: `/api/v1/audit/events?limit=2&cursor=${page1.body.nextCursor}`,
      });
      expect(page2.body.items.map((e: { seq: number }) => e.seq)).toEqual([3, 4]);
      const future = await call(t.app, {
        method: 'GET',
        url: `/api/v1/audit/events?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`,
      });
      expect(future.body.items).toEqual([]);
      expect(events.some((e) => e.action.startsWith('version.') && e.subject.id === 'never')).toBe(false);
    });

    it('does not audit refused commands and writes nothing for them', async () => {
      const before = (await call(t.app, { method: 'GET', url: '/api/v1/audit/checkpoint' })).body.treeSize as number;
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models',
          body: { name: 'x', useCaseId: '00000000-0000-4000-8000-000000000000' },
        }),
        422,
        'invalid_reference',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/ghost/versions',
          body: { artifactUri: 'x', artifactDigest: `sha256:${'2'.repeat(64)}` },
        }),
        404,
        'not_found',
      );
      expect((await call(t.app, { method: 'GET', url: '/api/v1/audit/checkpoint' })).body.treeSize).toBe(before);
    });

    it('makes a change whose audit event cannot be written not happen', async () => {
      const uc = await seedUseCase(t.app, 'audit-down');
      const db = t.database.db;
      if (kind === 'sqlite') {
        await sql`create trigger audit_down before insert on audit_events when json_extract(new.leaf, '$.action') = 'model.create' begin select raise(abort, 'audit store unavailable'); end`.execute(
          db,
        );
      } else {
        await sql`create function audit_down() returns trigger language plpgsql as $$ begin if new.leaf::jsonb ->> 'action' = 'model.create' then raise exception 'audit store unavailable'; end if; return new; end $$`.execute(
          db,
        );
        await sql`create trigger audit_down before insert on audit_events for each row execute function audit_down()`.execute(
          db,
        );
      }
      try {
        const res = await call(t.app, {
          method: 'POST',
          url: '/api/v1/models',
          body: { name: 'unaudited', useCaseId: uc },
        });
        expectProblem(res, 500, 'internal_error');
        expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models/unaudited' }), 404, 'not_found');
      } finally {
        await sql`drop trigger audit_down${sql.raw(kind === 'postgres' ? ' on audit_events' : '')}`.execute(db);
        if (kind === 'postgres') await sql`drop function audit_down()`.execute(db);
      }
      expect(
        (await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'unaudited', useCaseId: uc } }))
          .status,
      ).toBe(201);
    });

    it('signs checkpoints with the published key and serves inclusion and consistency proofs', async () => {
      const key = await call(t.app, { method: 'GET', url: '/api/v1/audit/public-key' });
      expect(key.body).toMatchObject({
        algorithm: 'ed25519',
        origin: 'steward.test/audit',
        verifierKey: t.signer.verifierKey,
      });
      const publicKey = Buffer.from(key.body.publicKey, 'base64');
      const first = (await call(t.app, { method: 'GET', url: '/api/v1/audit/checkpoint' })).body;
      const verified = verifyCheckpointNote(first.note, key.body.keyName, publicKey);
      expect(verified).toMatchObject({
        ok: true,
        checkpoint: { origin: 'steward.test/audit', treeSize: first.treeSize },
      });
      expect(verified.ok && verified.checkpoint.rootHash.toString('hex')).toBe(first.rootHash);

      await seedUseCase(t.app, 'grows-the-log');
      const second = (await call(t.app, { method: 'GET', url: '/api/v1/audit/checkpoint' })).body;
      expect(second.treeSize).toBeGreaterThan(first.treeSize);

      for (const seq of [1, 2, first.treeSize, second.treeSize]) {
        const p = (
          await call(t.app, {
            method: 'GET',
            url: `/api/v1/audit/proofs/inclusion?seq=${seq}&treeSize=${second.treeSize}`,
          })
        ).body;
        expect(p.rootHash).toBe(second.rootHash);
        expect(verifyInclusion(seq - 1, second.treeSize, hex(p.leafHash), p.proof.map(hex), hex(second.rootHash))).toBe(
          true,
        );
      }
      const c = (
        await call(t.app, {
          method: 'GET',
          url: `/api/v1/audit/proofs/consistency?from=${first.treeSize}&to=${second.treeSize}`,
        })
      ).body;
      expect(c).toMatchObject({ fromRoot: first.rootHash, toRoot: second.rootHash });
      expect(
        verifyConsistency(first.treeSize, second.treeSize, hex(first.rootHash), hex(second.rootHash), c.proof.map(hex)),
      ).toBe(true);

      expectProblem(
        await call(t.app, { method: 'GET', url: `/api/v1/audit/proofs/inclusion?seq=5&treeSize=4` }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'GET',
          url: `/api/v1/audit/proofs/inclusion?seq=1&treeSize=${second.treeSize + 100}`,
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: `/api/v1/audit/proofs/inclusion?seq=0&treeSize=1` }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: `/api/v1/audit/proofs/consistency?from=3&to=2` }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: `/api/v1/audit/proofs/consistency?from=x&to=2` }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: `/api/v1/audit/events?limit=5000` }),
        400,
        'validation_failed',
      );
    });

    it('lets only auditors and admins read the trail', async () => {
      const ds = await seedUser(t.app, 'audit-ds', [{ scope: 'credit-risk', role: 'data-scientist' }]);
      const risk = await seedUser(t.app, 'audit-risk', [{ scope: '*', role: 'risk-audit' }]);
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/audit/events', token: ds }), 403, 'forbidden');
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/audit/proofs/consistency?from=1&to=2', token: ds }),
        403,
        'forbidden',
      );
      expect((await call(t.app, { method: 'GET', url: '/api/v1/audit/events', token: risk })).status).toBe(200);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/audit/public-key', token: ds })).status).toBe(200);
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/audit/events', token: null }),
        401,
        'unauthenticated',
      );
    });
  });
});
