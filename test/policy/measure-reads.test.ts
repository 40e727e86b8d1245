import { describe, expect, it } from 'vitest';
import { validatePack } from '../../src/domain/policy/validate.ts';
import { measureReads, measureStatus, recordKey, type EvidenceRecord } from '../../src/domain/policy/status.ts';
import type { PolicyPack } from '../../src/domain/policy/pack.schema.ts';
import { DEFAULT_PACK_FILE, readPackFile } from '../../src/features/policy/pack-file.ts';

// Governance judges a measure no record speaks to by its status with no records at all (shared by
// every version): that holds only if `measureReads` names every record `measureStatus` looks at.
const pack = validatePack(readPackFile(DEFAULT_PACK_FILE).doc).pack!;
type Item = PolicyPack['measures'][number]['evidence'][number];
const A = 'sha256:aaaa';

/** Records that speak to `e`, some meeting it and some not, some for another artefact. */
function recordsFor(e: Item, n: number): EvidenceRecord[] {
  const id = `r${n}`;
  switch (e.kind) {
    case 'check':
      return [
        {
          id: `${id}a`,
          kind: 'check',
          metric: e.metric,
          value: e.threshold,
          artifactDigest: A,
          dataDigest: 'sha256:d',
        },
        { id: `${id}b`, kind: 'check', metric: e.metric, value: -1, artifactDigest: 'sha256:other', dataDigest: null },
      ];
    case 'document':
      return [
        { id, kind: 'document', documentKind: e.documentKind, computed: true },
        { id: `${id}b`, kind: 'document', documentKind: e.documentKind, author: 'u9' },
      ];
    case 'monitoring':
      return [{ id, kind: 'monitoring', monitor: e.monitor, windowsAgo: 0 }];
    case 'signoff':
      return e.roles.map((role, i) => ({ id: `${id}${i}`, kind: 'signoff', signer: `s${n}${i}`, role }));
    case 'data-residency':
      return [{ id, kind: 'dataset', dataset: 'd/1', region: 'EU' }];
    case 'ethical-alignment':
      return [{ id, kind: 'alignment', alignment: 'aligned', alignedWith: 1, currentPosition: 1 }];
  }
}

const pool = pack.measures.flatMap((m, i) => m.evidence.flatMap((e, j) => recordsFor(e, i * 100 + j)));
const opts = { artifactDigest: A, creators: ['u1'], regions: ['EU'] };

describe('a measure is judged only on the records it reads', () => {
  it('keeps its status with no records whatever other measures have recorded', () => {
    expect(pack.measures.length).toBeGreaterThan(20);
    for (const m of pack.measures) {
      const reads = new Set(measureReads(m));
      const others = pool.filter((r) => !reads.has(recordKey(r)));
      expect(measureStatus(m, others, opts), m.id).toEqual(measureStatus(m, [], {}));
      expect(measureStatus(m, [...others].reverse(), { artifactDigest: 'sha256:zz' }), m.id).toEqual(
        measureStatus(m, [], {}),
      );
    }
  });

  it('changes its status once the records it reads are there', () => {
    for (const m of pack.measures) {
      const reads = new Set(measureReads(m));
      const mine = pool.filter((r) => reads.has(recordKey(r)));
      expect(mine.length, m.id).toBeGreaterThan(0);
      expect(measureStatus(m, mine, opts), m.id).not.toEqual(measureStatus(m, [], {}));
    }
  });
});
