import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { call, seedModel, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A labelled file with predictions; `secret` puts a value in the score column that is not a number. */
function rows(secret = false): string {
  const lines = ['y,yhat,p,sex'];
  for (let i = 0; i < 40; i++)
    lines.push(
      `${i % 3 === 0 ? 1 : 0},${i % 2},${secret && i === 7 ? 'SECRET-VALUE-42' : (i % 10) / 10},${i % 2 ? 'F' : 'M'}`,
    );
  return `${lines.join('\n')}\n`;
}

// One directory open to every team, one reserved to credit-risk.
const open = mkdtempSync(join(tmpdir(), 'steward-open-'));
const credit = mkdtempSync(join(tmpdir(), 'steward-credit-'));
writeFileSync(join(open, 'secret.csv'), rows(true));
writeFileSync(join(credit, 'eval.csv'), rows());
writeFileSync(join(credit, 'model.onnx'), 'bytes of credit-risk model');
const uriOf = (dir: string, file: string) => pathToFileURL(join(dir, file)).href;

describe('STEWARD_ARTIFACT_ROOTS', () => {
  it('reads team=dir as a directory reserved to that team, plain entries as open to all', () => {
    const c = loadConfig({ STEWARD_ARTIFACT_ROOTS: `credit-risk=${credit}, ${open}` });
    expect(c.artifacts.roots).toEqual([{ dir: credit, team: 'credit-risk' }, open]);
  });
});

describe.each(DB_KINDS)('dataset and artefact references on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { artifacts: { roots: [open, { dir: credit, team: 'credit-risk' }], hosts: [] } });
    const spec = 'task=binary-classification&label=y&prediction=yhat&score=p&sensitive=sex';
    const evaluate = (model: string, query: string) =>
      call(t.app, { method: 'POST', url: `/api/v1/models/${model}/versions/1/evaluations?${spec}&${query}` });
    const register = async (dataset: string, team: string, uri: string, digest: string) => {
      const ds = await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets',
        body: {
          name: dataset,
          ownerTeam: team,
          legalRegion: 'EU',
          provenance: { method: 'sample', source: 'test', lawfulBasis: 'contract' },
          columns: [{ name: 'y' }],
        },
      });
      expect(ds.status, ds.text).toBe(201);
      const v = await call(t.app, {
        method: 'POST',
        url: `/api/v1/datasets/${dataset}/versions`,
        body: { rowCount: 40, digest, uri },
      });
      expect(v.status, v.text).toBe(201);
    };

    beforeAll(async () => {
      t.app.log.level = 'silent';
      for (const team of ['growth', 'credit-risk']) {
        const uc = await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody(`${team}-uc`, { ownerTeam: team }),
        });
        await seedModel(t.app, `${team}-model`, uc.body.id);
        const v = await call(t.app, {
          method: 'POST',
          url: `/api/v1/models/${team}-model/versions`,
          body: { artifactUri: uriOf(credit, 'model.onnx'), artifactDigest: sha('not these bytes') },
        });
        expect(v.status, v.text).toBe(201);
      }
    });

    it('checks the digest before parsing: no cell value and no actual digest in the refusal', async () => {
      await register('made-up', 'growth', uriOf(open, 'secret.csv'), sha('a guess'));
      const res = await evaluate('growth-model', 'dataset=made-up&datasetVersion=1');
      expect(res.status, res.text).toBe(409);
      expect(res.body.code).toBe('conflict');
      expect(res.text).not.toContain('SECRET-VALUE-42');
      expect(res.text).not.toContain(sha(rows(true)));
      expect(res.body.detail).toMatch(/does not have the registered digest/);
    });

    it('freezes no monitoring reference from a file whose digest does not match, and tells no digest', async () => {
      const res = await call(t.app, {
        method: 'PUT',
        url: '/api/v1/models/growth-model/versions/1/monitor',
        body: {
          monitors: ['input-drift'],
          task: 'binary-classification',
          features: { p: 'numerical' },
          reference: { dataset: 'made-up', version: 1 },
        },
      });
      expect(res.status, res.text).toBe(409);
      expect(res.text).not.toContain(sha(rows(true)));
      expect(res.text).not.toContain('SECRET-VALUE-42');
    });

    it("reads a team's root only for that team's datasets and use cases", async () => {
      // The right digest is no key: growth's dataset may not point into credit-risk's directory.
      await register('borrowed', 'growth', uriOf(credit, 'eval.csv'), sha(rows()));
      const refused = await evaluate('growth-model', 'dataset=borrowed&datasetVersion=1');
      expect(refused.status, refused.text).toBe(422);
      expect(refused.body.detail).toMatch(/outside the directories the server may read for team 'growth'/);
      await register('own', 'credit-risk', uriOf(credit, 'eval.csv'), sha(rows()));
      const own = await evaluate('credit-risk-model', 'dataset=own&datasetVersion=1');
      expect(own.status, own.text).toBe(201);
      expect(own.body.dataDigest).toBe(sha(rows()));
      // The same for a version's artefact: growth's use case may not run a file of credit-risk's.
      const artefact = await call(t.app, {
        method: 'POST',
        url: `/api/v1/models/growth-model/versions/1/evaluations?${spec}&useArtifact=true&dataset=own&datasetVersion=1`,
      });
      expect(artefact.status, artefact.text).toBe(422);
      expect(artefact.body.detail).toMatch(/STEWARD_ARTIFACT_ROOTS/);
    });

    it("refuses an artefact read by reference whose digest differs without telling the file's digest", async () => {
      const res = await call(t.app, {
        method: 'POST',
        url: `/api/v1/models/credit-risk-model/versions/1/evaluations?${spec}&useArtifact=true&dataset=own&datasetVersion=1`,
      });
      expect(res.status, res.text).toBe(409);
      expect(res.text).not.toContain(sha('bytes of credit-risk model'));
      expect(res.body.detail).toMatch(/model artefact changed since it was registered/);
    });
  });
});
