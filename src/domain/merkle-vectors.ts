import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  inMemory,
  leafHash,
  nodeHash,
  rootOfLeaves,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from './merkle.ts';

export interface VectorOutcome {
  name: string;
  ok: boolean;
  detail: string;
  /** Not run: the case covers something not implemented yet (said in `detail`). */
  skipped?: boolean;
}

interface HasherVector {
  desc: string;
  want: string;
  leaf?: string;
  leafAscii?: string;
  leftAscii?: string;
  rightAscii?: string;
}
interface InclusionProbe {
  desc: string;
  source: string;
  leafIdx: number;
  treeSize: number;
  root: string | null;
  leafHash: string | null;
  proof: string[] | null;
  wantErr: boolean;
}
interface ConsistencyProbe {
  desc: string;
  source: string;
  size1: number;
  size2: number;
  root1: string | null;
  root2: string | null;
  proof: string[] | null;
  wantErr: boolean;
}

const b64 = (s: string | null | undefined): Buffer => Buffer.from(s ?? '', 'base64');
const hex = (b: Buffer) => b.toString('hex');

/**
 * Runs RFC 6962/9162 vectors (the merkle.json schema: hasher known answers, a reference tree,
 * transparency-dev inclusion and consistency probes) through Steward's Merkle implementation.
 * For happy-path probes on the reference tree it also checks that Steward builds the same proof.
 */
export function runMerkleVectors(doc: Record<string, unknown>): VectorOutcome[] {
  const out: VectorOutcome[] = [];
  const check = (name: string, ok: boolean, detail: string) => out.push({ name, ok, detail: ok ? '' : detail });

  const hasher = doc.hasher as { vectors: HasherVector[] };
  for (const v of hasher.vectors) {
    let got: Hash;
    if (v.leftAscii !== undefined) got = nodeHash(Buffer.from(v.leftAscii), Buffer.from(v.rightAscii ?? ''));
    else if (v.leafAscii !== undefined) got = leafHash(Buffer.from(v.leafAscii));
    else if (v.leaf !== undefined) got = leafHash(Buffer.from(v.leaf, 'hex'));
    else got = EMPTY_ROOT;
    check(`hasher: ${v.desc}`, hex(got) === v.want, `got ${hex(got)}, want ${v.want}`);
  }

  const ref = doc.referenceTree as {
    leafInputs: string[];
    leafHashes: string[];
    rootHashesByTreeSize: Record<string, string>;
  };
  const leaves = ref.leafInputs.map((l) => leafHash(Buffer.from(l, 'hex')));
  leaves.forEach((l, i) =>
    check(`reference leaf ${i}`, hex(l) === ref.leafHashes[i], `got ${hex(l)}, want ${ref.leafHashes[i]}`),
  );
  for (const [size, want] of Object.entries(ref.rootHashesByTreeSize)) {
    const got = rootOfLeaves(leaves.slice(0, Number(size)));
    check(`reference root of size ${size}`, hex(got) === want, `got ${hex(got)}, want ${want}`);
  }
  const perfect = inMemory(leaves);
  const refRoot = (n: number) => Buffer.from(ref.rootHashesByTreeSize[String(n)] ?? '', 'hex');

  for (const p of doc.inclusion as InclusionProbe[]) {
    const name = `inclusion ${p.source.split(':').pop()}`;
    const proof = (p.proof ?? []).map(b64);
    const verified = verifyInclusion(p.leafIdx, p.treeSize, b64(p.leafHash), proof, b64(p.root));
    check(name, verified === !p.wantErr, p.wantErr ? 'accepted a proof it must reject' : 'rejected a valid proof');
    if (!p.wantErr && p.treeSize <= leaves.length && b64(p.root).equals(refRoot(p.treeSize))) {
      const built = inclusionProof(p.leafIdx, p.treeSize, perfect).map(hex);
      check(
        `${name} (Steward builds the same proof)`,
        built.join() === proof.map(hex).join(),
        `built [${built}], want [${proof.map(hex)}]`,
      );
    }
  }

  for (const p of doc.consistency as ConsistencyProbe[]) {
    const name = `consistency ${p.source.split(':').pop()}`;
    const proof = (p.proof ?? []).map(b64);
    const verified = verifyConsistency(p.size1, p.size2, b64(p.root1), b64(p.root2), proof);
    check(name, verified === !p.wantErr, p.wantErr ? 'accepted a proof it must reject' : 'rejected a valid proof');
    if (!p.wantErr && p.size2 <= leaves.length && b64(p.root2).equals(refRoot(p.size2))) {
      const built = consistencyProof(p.size1, p.size2, perfect).map(hex);
      check(
        `${name} (Steward builds the same proof)`,
        built.join() === proof.map(hex).join(),
        `built [${built}], want [${proof.map(hex)}]`,
      );
    }
  }

  // Every proof Steward builds over the reference tree must verify.
  for (let n = 1; n <= leaves.length; n++) {
    for (let m = 0; m < n; m++) {
      const ok = verifyInclusion(m, n, leaves[m]!, inclusionProof(m, n, perfect), refRoot(n));
      check(`reference inclusion ${m} in ${n}`, ok, 'built proof does not verify');
    }
    for (let m = 1; m <= n; m++) {
      const ok = verifyConsistency(m, n, refRoot(m), refRoot(n), consistencyProof(m, n, perfect));
      check(`reference consistency ${m} -> ${n}`, ok, 'built proof does not verify');
    }
  }
  return out;
}
