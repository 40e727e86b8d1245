import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { daysAgo } from './helpers.ts';

describe.each(DB_KINDS)('training records on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending', 'fraud'] });
    const tok: Record<string, string> = {};
    const events = async (action: string) =>
      (await call(t.app, { method: 'GET', url: `/api/v1/audit/events?action=${action}&limit=500` })).body.items as {
        after: Record<string, unknown>;
        actor: string;
      }[];
    const completions = async (user: string) =>
      (await call(t.app, { method: 'GET', url: `/api/v1/users/${user}/trainings` })).body.completions as unknown[];

    beforeAll(async () => {
      tok.ann = await seedUser(t.app, 'ann', [{ scope: 'lending', role: 'data-scientist' }]);
      tok.bob = await seedUser(t.app, 'bob', [{ scope: 'lending', role: 'business-stakeholder' }]);
      tok.cat = await seedUser(t.app, 'cat', [{ scope: 'lending', role: 'risk-audit' }]);
      tok.dan = await seedUser(t.app, 'dan', [{ scope: 'fraud', role: 'data-scientist' }]);
      tok.reader = await seedUser(t.app, 'reader', [{ scope: 'lending', role: 'data-scientist' }], ['read']);
    });

    it('records one’s own completion, audited, and shows its expiry', async () => {
      const res = await call(t.app, {
        method: 'POST',
        url: '/api/v1/users/ann/trainings',
        token: tok.ann,
        body: { training: 'eu-ai-act-literacy', completedOn: daysAgo(10), certificate: 'AI-001' },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({ training: 'eu-ai-act-literacy', source: 'self', certificate: 'AI-001' });
      const mine = await call(t.app, { method: 'GET', url: '/api/v1/users/ann/trainings', token: tok.ann });
      expect(mine.status).toBe(200);
      expect(mine.body.items[0]).toMatchObject({
        training: 'eu-ai-act-literacy',
        status: 'current',
        completedOn: daysAgo(10),
        expiresOn: daysAgo(10 - 365),
        requiredBy: ['data-scientist'],
      });
      expect(mine.body.items[1]).toMatchObject({ training: 'electronic-signatures', status: 'missing' });
      const [audited] = (await events('training.record')).slice(-1);
      expect(audited!.after).toMatchObject({ username: 'ann', training: 'eu-ai-act-literacy', source: 'self' });
    });

    it('refuses bad completions with pointers, writing nothing', async () => {
      const before = (await completions('ann')).length;
      const post = (body: unknown, token = tok.ann, user = 'ann') =>
        call(t.app, { method: 'POST', url: `/api/v1/users/${user}/trainings`, token, body });
      const unknown = await post({ training: 'juggling', completedOn: daysAgo(1) });
      expectProblem(unknown, 400, 'validation_failed');
      expect(unknown.body.errors).toEqual([
        { pointer: '/body/training', message: expect.stringContaining("unknown training 'juggling'") },
      ]);
      const badDay = await post({ training: 'eu-ai-act-literacy', completedOn: '2026-02-30' });
      expectProblem(badDay, 400, 'validation_failed');
      expect(badDay.body.errors[0].pointer).toBe('/body/completedOn');
      const future = await post({ training: 'eu-ai-act-literacy', completedOn: daysAgo(-3) });
      expectProblem(future, 400, 'validation_failed');
      expect(future.body.detail).toContain('in the future');
      expectProblem(await post({ training: 'eu-ai-act-literacy' }), 400, 'validation_failed');
      expectProblem(
        await post({ training: 'eu-ai-act-literacy', completedOn: daysAgo(1), extra: 1 }),
        400,
        'validation_failed',
      );
      expectProblem(await post('not json{', tok.ann), 400, 'malformed_json');
      expectProblem(
        await post({ training: 'eu-ai-act-literacy', completedOn: daysAgo(1), certificate: 'x'.repeat(501) }),
        400,
        'validation_failed',
      );
      // Someone else's record needs users:admin; a read token cannot record its own.
      expectProblem(await post({ training: 'eu-ai-act-literacy', completedOn: daysAgo(1) }, tok.bob), 403, 'forbidden');
      expectProblem(
        await post({ training: 'eu-ai-act-literacy', completedOn: daysAgo(1) }, tok.reader, 'reader'),
        403,
        'forbidden',
      );
      expectProblem(
        await post({ training: 'eu-ai-act-literacy', completedOn: daysAgo(1) }, tok.ann, 'nobody'),
        404,
        'not_found',
      );
      expect(await completions('ann')).toHaveLength(before);
      // Another's records are not readable without identity:read.
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/users/ann/trainings', token: tok.bob }),
        403,
        'forbidden',
      );
    });

    it('lets an administrator record for another person', async () => {
      const res = await call(t.app, {
        method: 'POST',
        url: '/api/v1/users/bob/trainings',
        body: { training: 'eu-ai-act-literacy', completedOn: daysAgo(400) },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body.source).toBe('admin');
    });

    it('imports a CSV only when every row is good, listing each bad row', async () => {
      const bad = [
        'username,training,completedOn',
        'cat,eu-ai-act-literacy,' + daysAgo(5),
        'zed,eu-ai-act-literacy,' + daysAgo(5),
        'cat,knitting,' + daysAgo(5),
        'dan,electronic-signatures,05/11/2026',
        'dan,electronic-signatures,' + daysAgo(-1),
        'only,two',
      ].join('\n');
      const before = await events('training.import');
      const refused = await call(t.app, { method: 'POST', url: '/api/v1/trainings/import', body: { csv: bad } });
      expectProblem(refused, 400, 'validation_failed');
      expect(refused.body.detail).toContain('nothing was imported');
      expect(refused.body.errors.map((e: { message: string }) => e.message)).toEqual([
        'line 7: expected 3 fields (username,training,completedOn), found 2',
        "line 3: unknown user 'zed'",
        "line 4: unknown training 'knitting'",
        "line 5: '05/11/2026' is not a date (YYYY-MM-DD)",
        expect.stringMatching(/^line 6: .* is in the future/),
      ]);
      expect(refused.body.errors.every((e: { pointer: string }) => e.pointer === '/body/csv')).toBe(true);
      expect(await completions('cat')).toHaveLength(0);
      expect(await events('training.import')).toHaveLength(before.length);

      const good = `cat,eu-ai-act-literacy,${daysAgo(5)}\r\ndan,"electronic-signatures",${daysAgo(30)}\n\n`;
      const imported = await call(t.app, { method: 'POST', url: '/api/v1/trainings/import', body: { csv: good } });
      expect(imported.status, imported.text).toBe(201);
      expect(imported.body.imported).toBe(2);
      expect(imported.body.items.every((i: { source: string }) => i.source === 'import')).toBe(true);
      const [audited] = (await events('training.import')).slice(-1);
      expect(audited!.after).toMatchObject({ imported: 2 });
      expect(await completions('cat')).toHaveLength(1);
    });

    it('refuses imports by non-administrators, empty and oversize ones', async () => {
      const one = `cat,eu-ai-act-literacy,${daysAgo(5)}`;
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/trainings/import', token: tok.cat, body: { csv: one } }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/trainings/import', body: { csv: '\n\n' } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/trainings/import', body: {} }),
        400,
        'validation_failed',
      );
      const many = Array.from({ length: 5001 }, () => one).join('\n');
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/trainings/import', body: { csv: many } }),
        413,
        'payload_too_large',
      );
    });

    it('reports a team’s AI literacy: current, expired and missing members', async () => {
      const res = await call(t.app, { method: 'GET', url: '/api/v1/trainings/report?team=lending', token: tok.ann });
      expect(res.status, res.text).toBe(200);
      expect(res.body.trainings).toEqual(['eu-ai-act-literacy']);
      const by = Object.fromEntries(res.body.members.map((m: { username: string }) => [m.username, m]));
      expect(by.ann).toMatchObject({ status: 'current', training: 'eu-ai-act-literacy', roles: ['data-scientist'] });
      expect(by.bob).toMatchObject({ status: 'expired', expiresOn: daysAgo(35) });
      expect(by.cat).toMatchObject({ status: 'current' });
      expect(by.reader).toMatchObject({ status: 'missing', training: null });
      expect(by.dan).toBeUndefined();
      expect(res.body.summary).toEqual({ members: 4, current: 2, expired: 1, missing: 1 });
      // Not a member of lending and no identity:read: refused; unknown team: 404; no team: 400.
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/trainings/report?team=lending', token: tok.dan }),
        403,
        'forbidden',
      );
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/trainings/report?team=nope' }), 404, 'not_found');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/trainings/report' }), 400, 'validation_failed');
    });

    it('takes a policy acknowledgement as an e-signature, once per pack version', async () => {
      const packs = (await call(t.app, { method: 'GET', url: '/api/v1/policies' })).body.items as { id: string }[];
      const wrong = await call(t.app, {
        method: 'POST',
        url: '/api/v1/policy/acknowledgements',
        token: tok.ann,
        body: { password: 'not-it' },
      });
      expectProblem(wrong, 403, 'reauthentication_failed');
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/policy/acknowledgements', token: tok.ann, body: {} }),
        403,
        'reauthentication_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/policy/acknowledgements',
          token: tok.ann,
          body: { packId: 'no-such-pack', password: 'ann-correct-horse-battery' },
        }),
        404,
        'not_found',
      );
      const ack = await call(t.app, {
        method: 'POST',
        url: '/api/v1/policy/acknowledgements',
        token: tok.ann,
        body: { password: 'ann-correct-horse-battery', comment: 'read it' },
      });
      expect(ack.status, ack.text).toBe(201);
      expect(ack.body.packId).toBe(packs[0]!.id);
      expect(ack.body.signature.manifest).toMatchObject({
        subject: { type: 'policy-pack', name: 'default', version: '1.0.0' },
        signer: { username: 'ann' },
        meaning: 'acknowledge',
        comment: 'read it',
        reauthenticatedWith: { type: 'password' },
      });
      const again = await call(t.app, {
        method: 'POST',
        url: '/api/v1/policy/acknowledgements',
        token: tok.ann,
        body: { password: 'ann-correct-horse-battery' },
      });
      expectProblem(again, 409, 'conflict');
      expect(again.body.detail).toBe(`you already acknowledged default 1.0.0, at ${ack.body.signedAt}`);
      // Said before the password is checked: a wrong one gets the same answer, not a sign-in failure.
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/policy/acknowledgements',
          token: tok.ann,
          body: { password: 'not-it' },
        }),
        409,
        'conflict',
      );
      expect((await events('policy.acknowledge')).length).toBe(1);
      const list = await call(t.app, { method: 'GET', url: '/api/v1/policy/acknowledgements' });
      expect(list.body.items.map((a: { userId: string }) => a.userId)).toEqual([ack.body.userId]);
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/policy/acknowledgements', token: tok.ann }),
        403,
        'forbidden',
      );
      const mine = await call(t.app, { method: 'GET', url: '/api/v1/users/ann/trainings', token: tok.ann });
      expect(mine.body.acknowledgements).toHaveLength(1);
    });
  });
});
