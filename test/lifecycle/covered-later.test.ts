import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/domain/jcs.ts';
import type { CoveredState } from '../../src/domain/lifecycle/manifest.ts';
import { CoveredLater } from '../../src/features/lifecycle/covered.fns.ts';

const state: CoveredState = {
  definitionDigest: 'sha256:' + 'd'.repeat(64),
  policy: { id: 'pack-1', name: 'default', version: '3' },
  evidence: [{ id: 'e-1', contentHash: 'sha256:' + 'e'.repeat(64) }],
  requirements: [{ measure: 'fairness-review', status: 'satisfied' }],
};

describe('what a governance covers, computed on first read', () => {
  it('computes nothing until asked, then gives the state and the digest of its canonical form', () => {
    let computed = 0;
    const g = Object.assign(
      new CoveredLater(() => {
        computed++;
        return state;
      }),
      { step: 'validation' },
    );
    expect(g.step).toBe('validation');
    expect(computed).toBe(0);
    expect(g.coveredDigest).toBe(`sha256:${createHash('sha256').update(canonicalize(state)).digest('hex')}`);
    expect(g.covered).toBe(state);
    // The digest is kept: reading it again does not hash again.
    const before = computed;
    expect(g.coveredDigest).toBe(g.coveredDigest);
    expect(computed).toBe(before);
  });

  it('keeps its accessors on the class, shared by every governance object, not on each object', () => {
    const a = Object.assign(new CoveredLater(() => state), { step: 'a' });
    const b = Object.assign(new CoveredLater(() => state), { step: 'b' });
    for (const g of [a, b]) {
      expect(Object.getOwnPropertyDescriptor(g, 'covered')).toBeUndefined();
      expect(Object.getOwnPropertyDescriptor(g, 'coveredDigest')).toBeUndefined();
    }
    expect(Object.getPrototypeOf(a)).toBe(Object.getPrototypeOf(b));
    // Own enumerable fields are what was assigned; the lazily computed state is not copied by a spread.
    expect(Object.keys(a)).toEqual(['step']);
  });
});
