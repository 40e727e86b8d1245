import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, digest, seedModel, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

// Files that exist and files that do not, all outside any root: the answers must not tell them apart.
const PROBES = ['file:///etc/shadow', 'file:///etc/passwd', 'file:///nonexistent/x.csv', 'file:///etc/nonexistent'];

describe.each(DB_KINDS)('file references outside the roots on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    for (const [label, roots] of [
      ['no roots configured', []],
      ['a root configured', [mkdtempSync(join(tmpdir(), 'steward-root-'))]],
    ] as const) {
      describe(label, () => {
        const t = useTestApp(kind, { artifacts: { roots: [...roots], hosts: [] } });
        beforeAll(async () => {
          t.app.log.level = 'silent';
          const uc = await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('uc') });
          await seedModel(t.app, 'm', uc.body.id);
          for (const [i, uri] of PROBES.entries())
            expect(
              (
                await call(t.app, {
                  method: 'POST',
                  url: '/api/v1/models/m/versions',
                  body: { artifactUri: uri, artifactDigest: digest(i) },
                })
              ).status,
            ).toBe(201);
          const ds = await call(t.app, {
            method: 'POST',
            url: '/api/v1/datasets',
            body: {
              name: 'probe',
              ownerTeam: 'credit-risk',
              legalRegion: 'EU',
              provenance: { method: 'sample', source: 'test', lawfulBasis: 'contract' },
              columns: [{ name: 'y' }],
            },
          });
          expect(ds.status, ds.text).toBe(201);
          for (const [i, uri] of PROBES.entries())
            expect(
              (
                await call(t.app, {
                  method: 'POST',
                  url: '/api/v1/datasets/probe/versions',
                  body: { rowCount: 1, digest: digest(i), uri },
                })
              ).status,
            ).toBe(201);
        });

        const spec = 'task=binary-classification&label=y&prediction=yhat';
        const answers = async (url: (i: number) => string, csv?: string) => {
          const out: string[] = [];
          for (const [i, uri] of PROBES.entries()) {
            const res = await call(t.app, {
              method: 'POST',
              url: url(i),
              ...(csv ? { body: csv, headers: { 'content-type': 'text/csv' } } : {}),
            });
            expect(res.status, res.text).toBe(422);
            // The same words apart from the URI itself.
            out.push(String(res.body.detail).replace(uri, '<uri>'));
          }
          return out;
        };

        it('gives one answer for existing and missing dataset files', async () => {
          const details = await answers(
            (i) =>
              `/api/v1/models/m/versions/1/evaluations?${spec}&dataset=probe&datasetVersion=${i + 1}&datasetFormat=csv`,
          );
          expect(new Set(details).size, details.join('\n')).toBe(1);
          expect(details[0]).toMatch(/outside the directories the server may read/);
        });

        it('gives one answer for existing and missing artefact files', async () => {
          const details = await answers(
            (i) => `/api/v1/models/m/versions/${i + 1}/evaluations?${spec}&useArtifact=true`,
            'y,yhat\n1,1\n',
          );
          expect(new Set(details).size, details.join('\n')).toBe(1);
        });
      });
    }
  });
});
