import { describe, expect, it } from 'vitest';
import { levels, packedLevels } from '../../src/domain/examination.ts';
import { inclusionProof, leafHashOfText, rangeHash, verifyInclusion } from '../../src/domain/merkle.ts';

describe('packed leaf hashes for examination proofs', () => {
  it('give the same root and inclusion proofs as one object per hash, at every tree shape', () => {
    for (const n of [1, 2, 3, 7, 8, 9, 33, 100]) {
      const leaves = Array.from({ length: n }, (_, i) => leafHashOfText(`{"seq":${i + 1}}`));
      const packed = Buffer.concat(leaves);
      const a = levels(leaves);
      const b = packedLevels(packed);
      const root = rangeHash(0, n, a);
      expect(rangeHash(0, n, b).equals(root), `root at ${n}`).toBe(true);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(i, n, b);
        expect(proof.map((h) => h.toString('hex'))).toEqual(inclusionProof(i, n, a).map((h) => h.toString('hex')));
        expect(verifyInclusion(i, n, leaves[i]!, proof, root)).toBe(true);
      }
    }
  });

  it('refuses a node outside the tree', () => {
    const b = packedLevels(Buffer.concat([leafHashOfText('a'), leafHashOfText('b'), leafHashOfText('c')]));
    expect(() => b(0, 3)).toThrow(RangeError);
    expect(() => b(2, 0)).toThrow(RangeError);
  });
});
