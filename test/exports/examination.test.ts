import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyPack, type PackManifest, type PackState } from '../../src/domain/examination.ts';
import { call, expectProblem, manualClock, seedUser, useTestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { governedPath, PASSWORD } from '../helpers/governed-path.ts';

const HOUR = 3_600_000;

describe.each(DB_KINDS)('examination packs on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const clock = manualClock(Date.now());
    const start = clock.now().getTime();
    const t = useTestApp(kind, { teams: ['lending'], clock });
    const path = governedPath(() => t.app);
    const asOf = new Date(start + 12 * HOUR).toISOString();
    let pack: Uint8Array;
    let laterEvaluation: string;
    const key = () => ({ origin: t.signer.origin, keyName: t.signer.keyName, publicKey: t.signer.publicKey });
    const create = (body: unknown, token?: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/examinations',
        headers: { authorization: `Bearer ${token ?? t.adminToken}`, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });

    beforeAll(async () => {
      await path.seed();
      await path.drive();
      // A day later: a second version, and a new evaluation of version 1 that makes its approvals stale.
      clock.advance(24 * HOUR);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models/scorecard/versions',
            token: path.tok.dana,
            body: { artifactUri: 's3://m/scorecard/2', artifactDigest: `sha256:${'2'.repeat(64)}` },
          })
        ).status,
      ).toBe(201);
      const csv = `y,yhat\n${Array.from({ length: 50 }, (_, i) => `${i % 2},${i % 3 === 0 ? 1 : 0}`).join('\n')}\n`;
      const ev = await t.app.inject({
        method: 'POST',
        url: `${path.v}/evaluations?task=binary-classification&label=y&prediction=yhat`,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${path.tok.dana}` },
        payload: csv,
      });
      expect(ev.statusCode, ev.body).toBe(201);
      laterEvaluation = (JSON.parse(ev.body) as { id: string }).id;
      // And a signature given after the date.
      const signed = await call(t.app, {
        method: 'POST',
        url: `${path.v}/signatures`,
        token: path.tok.ravi,
        body: { role: 'risk-audit', meaning: 'review', comment: 'after the date', password: PASSWORD('ravi') },
      });
      expect(signed.status, signed.text).toBe(201);
    }, 180_000);

    it('shows the state as of the date: no later version, and approvals valid then though stale now', async () => {
      const stale = (await call(t.app, { method: 'GET', url: `${path.v}/signatures` })).body.items.filter(
        (s: { status: string; meaning: string }) => s.meaning === 'approve' && s.status === 'stale',
      );
      expect(stale.length).toBeGreaterThan(0);

      const res = await create({ asOf, scope: 'organisation' });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.headers['content-type']).toBe('application/zip');
      pack = new Uint8Array(res.rawPayload);
      const files = unzipSync(pack);
      const state = JSON.parse(strFromU8(files['state.json']!)) as PackState;
      const versions = state.versions.map((v) => (v.state as { version: number }).version);
      expect(versions).toEqual([1]);
      for (const s of stale)
        expect(state.signatures.find((x) => x.id === s.id)).toMatchObject({ statusAsOf: 'valid', staleAt: null });
      expect(state.policy).not.toBeNull();
      expect(state.useCases.map((u) => (u.state as { name: string }).name)).toEqual(['scorecard']);
      expect(Object.keys(files).some((f) => f.startsWith('documents/'))).toBe(true);
      expect(verifyPack(files, key())).toMatchObject({ ok: true, problems: [], asOf });
      // Taken now, the same approvals show as stale, at the event that made them so.
      const nowPack = unzipSync(new Uint8Array((await create({ asOf: clock.now().toISOString() })).rawPayload));
      const nowState = JSON.parse(strFromU8(nowPack['state.json']!)) as PackState;
      expect(nowState.versions).toHaveLength(2);
      for (const s of stale)
        expect(nowState.signatures.find((x) => x.id === s.id)).toMatchObject({
          statusAsOf: 'stale',
          staleAt: expect.any(Number),
        });
    });

    it('carries the model card, validation report and Annex IV file as generated from the state then', async () => {
      const files = unzipSync(pack);
      const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as PackManifest;
      const state = JSON.parse(strFromU8(files['state.json']!)) as PackState;
      const v1 = state.versions[0]!.id;
      const generated = manifest.generated ?? [];
      expect(generated.map((g) => g.path).sort()).toEqual(
        [
          `generated/${v1}/model-card.md`,
          `generated/${v1}/validation-report.md`,
          // scorecard is high-risk: its Annex IV file is generated too.
          `generated/${path.useCaseId}/annex-iv.md`,
        ].sort(),
      );
      for (const g of generated) {
        // Each is a file of the pack like any other (its digest in the manifest), recording its inputs digest.
        expect(manifest.files.map((f) => f.path)).toContain(g.path);
        expect(strFromU8(files[g.path]!)).toContain(`- **Inputs digest:** ${g.inputsDigest}`);
      }
      const card = strFromU8(files[`generated/${v1}/model-card.md`]!);
      expect(card).toContain('# Model card: scorecard version 1');
      expect(card).toContain('Tier 4');
      // The evaluation recorded after the date is absent, the one recorded before it is there.
      expect(card).not.toContain(laterEvaluation);
      const before = state.evidence
        .map((e) => e.state as { id: string; kind: string })
        .find((e) => e.kind === 'evaluation');
      expect(before).toBeDefined();
      expect(card).toContain(`Evaluation ${before!.id}`);
      // Approvals now stale print as valid as of the date; the signature given after it is absent.
      const rows = card.split('\n').filter((l) => /^\| User \w+ \|/.test(l));
      const versionSigs = state.signatures.filter((s) => s.subject.type === 'model-version');
      expect(versionSigs.length).toBeGreaterThan(0);
      expect(rows.filter((r) => r.includes('| approve |')).length).toBe(
        state.signatures.filter((s) => (s.state as { manifest: { meaning: string } }).manifest.meaning === 'approve')
          .length,
      );
      expect(rows.every((r) => r.endsWith('| valid |'))).toBe(true);
      expect(rows.some((r) => r.includes('| review |'))).toBe(false);
      expect(
        Object.keys(files).some((f) => f.startsWith(`generated/`) && !f.includes(v1) && !f.includes(path.useCaseId)),
      ).toBe(false);

      // Taken now, the same card shows the later evaluation, the new signature and the stale approvals.
      const now = unzipSync(new Uint8Array((await create({ asOf: clock.now().toISOString() })).rawPayload));
      const nowCard = strFromU8(now[`generated/${v1}/model-card.md`]!);
      expect(nowCard).toContain(`Evaluation ${laterEvaluation}`);
      expect(nowCard).toMatch(/\| User ravi \| risk-audit \| review \|.*\| valid \|/);
      expect(nowCard).toMatch(/\| approve \|.*\| stale \|/);
      const nowManifest = JSON.parse(strFromU8(now['manifest.json']!)) as PackManifest;
      expect(nowManifest.generated!.filter((g) => g.document === 'model-card')).toHaveLength(2);
      expect(verifyPack(now, key()).problems).toEqual([]);
    });

    it('is scoped to a use case with the cited events and their inclusion proofs', async () => {
      const res = await create({ asOf, scope: 'use-case:scorecard' });
      expect(res.statusCode, res.body).toBe(201);
      const files = unzipSync(new Uint8Array(res.rawPayload));
      const manifest = JSON.parse(strFromU8(files['manifest.json']!));
      expect(manifest).toMatchObject({ events: 'cited', scope: { kind: 'use-case', id: path.useCaseId } });
      expect(strFromU8(files['events.jsonl']!).trim().split('\n')).toHaveLength(manifest.cited.length);
      expect(verifyPack(files, key()).problems).toEqual([]);
      // A team's pack: that team's use cases only, verified the same way.
      const team = unzipSync(new Uint8Array((await create({ asOf, scope: 'team:lending' })).rawPayload));
      expect(verifyPack(team, key()).problems).toEqual([]);
      const teamState = JSON.parse(strFromU8(team['state.json']!)) as PackState;
      expect(teamState.useCases.map((u) => (u.state as { ownerTeam: string }).ownerTeam)).toEqual(['lending']);
      // A forged event in a scoped pack fails its inclusion proof.
      const lines = strFromU8(files['events.jsonl']!).trim().split('\n');
      const at = lines.findIndex((l) => l.includes('"name":"scorecard"'));
      expect(at).toBeGreaterThanOrEqual(0);
      lines[at] = lines[at]!.replace('"name":"scorecard"', '"name":"scorecard-forged"');
      const forged = verifyPack({ ...files, 'events.jsonl': strToU8(`${lines.join('\n')}\n`) }, key());
      expect(forged.problems).toContainEqual(expect.stringMatching(/^events\.jsonl: event \d+ is not included/));
    });

    it('verify detects an edited file, a removed event and a swapped checkpoint', async () => {
      const files = unzipSync(pack);
      const edited = verifyPack(
        { ...files, 'state.json': strToU8(strFromU8(files['state.json']!).replace('"valid"', '"stale"')) },
        key(),
      );
      expect(edited.problems).toEqual(["state.json: its sha256 differs from the manifest's (the file was edited)"]);

      const events = strFromU8(files['events.jsonl']!).trim().split('\n');
      const removed = verifyPack(
        { ...files, 'events.jsonl': strToU8(`${events.filter((_, i) => i !== 3).join('\n')}\n`) },
        key(),
      );
      expect(removed.ok).toBe(false);
      expect(removed.problems).toContainEqual(
        expect.stringMatching(/^events\.jsonl: \d+ events where the checkpoint covers/),
      );

      const later = (await call(t.app, { method: 'GET', url: '/api/v1/audit/checkpoint' })).body;
      const manifest = JSON.parse(strFromU8(files['manifest.json']!));
      manifest.checkpoint = { treeSize: later.treeSize, note: later.note };
      const swapped = verifyPack({ ...files, 'manifest.json': strToU8(JSON.stringify(manifest)) }, key());
      expect(swapped.problems).toContainEqual(expect.stringMatching(/^manifest\.sig: the manifest is not signed/));
      expect(swapped.problems).toContainEqual(
        expect.stringMatching(/do not reproduce the signed checkpoint root|events where the checkpoint covers/),
      );
    });

    it('steward examination verify exits 0 on the pack and 1 naming what is wrong', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'steward-exam-'));
      const good = join(dir, 'pack.zip');
      writeFileSync(good, pack);
      const pinned = ['--public-key', t.signer.verifierKey];
      const ok = await runCli(['examination', 'verify', good, ...pinned]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/^examination pack intact: state as of /);
      const files = unzipSync(pack);
      const bad = join(dir, 'bad.zip');
      writeFileSync(bad, zipSync({ ...files, 'checkpoint.txt': strToU8('forged') }));
      const failed = await runCli(['examination', 'verify', bad, ...pinned]);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain("checkpoint.txt: its sha256 differs from the manifest's");
      // A generated document edited after the pack was taken.
      const card = Object.keys(files).find((f) => /^generated\/.+\/model-card\.md$/.test(f))!;
      const tampered = join(dir, 'tampered.zip');
      writeFileSync(
        tampered,
        zipSync({ ...files, [card]: strToU8(strFromU8(files[card]!).replace('| valid |', '| stale |')) }),
      );
      const caught = await runCli(['examination', 'verify', tampered, ...pinned]);
      expect(caught.code).toBe(1);
      expect(caught.stdout).toContain(`${card}: its sha256 differs from the manifest's`);
    });

    it('refuses dates outside the trail and callers who may not read the scope', async () => {
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/examinations',
          body: { asOf: new Date(clock.now().getTime() + HOUR).toISOString() },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/examinations',
          body: { asOf: new Date(start - HOUR).toISOString() },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/examinations', body: { asOf, scope: 'galaxy' } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/examinations', body: { asOf, scope: 'use-case:nope' } }),
        404,
        'not_found',
      );
      // A validator of one team may not take the audit trail of the organisation, nor of their team.
      const teamAuditor = await seedUser(t.app, 'tara', [{ scope: 'lending', role: 'risk-audit' }]);
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/examinations',
          token: teamAuditor,
          body: { asOf, scope: 'team:lending' },
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/examinations', token: path.tok.olga, body: { asOf } }),
        403,
        'forbidden',
      );
    });
  });
});
