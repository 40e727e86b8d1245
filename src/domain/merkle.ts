import { createHash, hash } from 'node:crypto';

/**
 * RFC 9162 (Certificate Transparency v2) Merkle tree over SHA-256:
 * leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), empty tree = SHA-256("").
 * Proof construction reads perfect subtrees through a callback so callers decide where hashes
 * live (memory, database); verification is self-contained.
 */
export type Hash = Buffer;

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

// One-shot crypto.hash costs a third less than createHash() per call on short inputs, and a
// verifier makes two calls per event.

/** SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Hash {
  return hash('sha256', Buffer.concat([LEAF, data]), 'buffer');
}

// Scratch buffers reused across calls (hashing is synchronous, so no call can interleave):
// allocation, not hashing, is most of the cost of the millions of small hashes a verify makes.
let leafScratch = Buffer.allocUnsafe(64 * 1024);
const nodeScratch = Buffer.alloc(65, 1);

/** SHA-256(0x00 || UTF-8 of text): the leaf hash of text data. */
export function leafHashOfText(text: string): Hash {
  const max = text.length * 3 + 1;
  if (max > leafScratch.length) leafScratch = Buffer.allocUnsafe(Math.max(max, leafScratch.length * 2));
  leafScratch[0] = 0;
  const n = leafScratch.write(text, 1, 'utf8');
  return hash('sha256', leafScratch.subarray(0, n + 1), 'buffer');
}

/** SHA-256(0x01 || left || right) of two 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Hash {
  if (left.length !== 32 || right.length !== 32) return hash('sha256', Buffer.concat([NODE, left, right]), 'buffer');
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 33);
  return hash('sha256', nodeScratch, 'buffer');
}

/** Root of the empty tree, SHA-256 of the empty string. */
export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/** Largest power of two strictly below n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Hash of the perfect subtree at `level` (leaves = 0) with position `index` in that level. */
export type PerfectNode = (level: number, index: number) => Hash;

/** MTH of leaves [lo, hi): perfect aligned ranges come from `perfect`, others are split per RFC 9162. */
export function rangeHash(lo: number, hi: number, perfect: PerfectNode): Hash {
  const size = hi - lo;
  if (size <= 0) return EMPTY_ROOT;
  if ((size & (size - 1)) === 0 && lo % size === 0) return perfect(Math.log2(size), lo / size);
  const k = splitPoint(size);
  return nodeHash(rangeHash(lo, lo + k, perfect), rangeHash(lo + k, hi, perfect));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[0:n]): the inclusion proof of leaf `m` in a tree of `n` leaves. */
export function inclusionProof(m: number, n: number, perfect: PerfectNode): Hash[] {
  if (!(m >= 0 && m < n)) throw new RangeError(`leaf ${m} is not in a tree of size ${n}`);
  const path = (m: number, lo: number, hi: number): Hash[] => {
    if (hi - lo <= 1) return [];
    const k = splitPoint(hi - lo);
    return m < k
      ? [...path(m, lo, lo + k), rangeHash(lo + k, hi, perfect)]
      : [...path(m - k, lo + k, hi), rangeHash(lo, lo + k, perfect)];
  };
  return path(m, 0, n);
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[0:n]): consistency of the first `m` leaves with the tree of `n`. */
export function consistencyProof(m: number, n: number, perfect: PerfectNode): Hash[] {
  if (!(m > 0 && m <= n)) throw new RangeError(`no consistency proof from size ${m} to ${n}`);
  const subproof = (m: number, lo: number, hi: number, complete: boolean): Hash[] => {
    const n = hi - lo;
    if (m === n) return complete ? [] : [rangeHash(lo, hi, perfect)];
    const k = splitPoint(n);
    return m <= k
      ? [...subproof(m, lo, lo + k, complete), rangeHash(lo + k, hi, perfect)]
      : [...subproof(m - k, lo + k, hi, false), rangeHash(lo, lo + k, perfect)];
  };
  return subproof(m, 0, n, true);
}

/** Root hash of a whole tree held in memory as its leaf hashes. */
export function rootOfLeaves(leaves: Hash[]): Hash {
  return rangeHash(0, leaves.length, inMemory(leaves));
}

/** A PerfectNode over leaf hashes held in memory (memoised per call tree). */
export function inMemory(leaves: Hash[]): PerfectNode {
  const memo = new Map<string, Hash>();
  const perfect: PerfectNode = (level, index) => {
    if (level === 0) {
      const leaf = leaves[index];
      if (!leaf) throw new RangeError(`no leaf ${index}`);
      return leaf;
    }
    const key = `${level}:${index}`;
    let h = memo.get(key);
    if (!h) memo.set(key, (h = nodeHash(perfect(level - 1, index * 2), perfect(level - 1, index * 2 + 1))));
    return h;
  };
  return perfect;
}

/** Every value in a proof, and the roots and leaf it is checked against, must be a SHA-256 hash. */
const allHashes = (values: Uint8Array[]): boolean => values.every((v) => v.length === 32);

/** RFC 9162 §2.1.3.2: true iff `proof` proves `leaf` at index `m` in the tree of size `n` with `root`. */
export function verifyInclusion(
  m: number,
  n: number,
  leaf: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n) && m >= 0 && m < n)) return false;
  if (!allHashes([leaf, root, ...proof])) return false;
  let fn = m;
  let sn = n - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(r).equals(Buffer.from(root));
}

/** RFC 9162 §2.1.4.2: true iff `proof` shows the tree (m, root1) is a prefix of (n, root2). */
export function verifyConsistency(
  m: number,
  n: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: Uint8Array[],
): boolean {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(n)) || m <= 0 || m > n) return false;
  if (!allHashes([root1, root2, ...proof])) return false;
  const eq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
  if (m === n) return proof.length === 0 && eq(root1, root2);
  if (proof.length === 0) return false;
  // When m is a power of two, the old root itself is the first element of the path.
  const path = (m & (m - 1)) === 0 ? [root1, ...proof] : [...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && eq(fr, root1) && eq(sr, root2);
}

/**
 * The right edge of a tree: the roots of its perfect subtrees, largest first (one per set bit of
 * the size). Appending a leaf merges equal-sized neighbours; the root folds them right to left.
 */
export interface Frontier {
  size: number;
  /** [level, hash] of each perfect subtree on the right edge, largest first. */
  nodes: [number, Hash][];
}

export const emptyFrontier = (): Frontier => ({ size: 0, nodes: [] });

/**
 * Appends a leaf hash; returns the new frontier and every perfect node completed by the append
 * (the leaf itself at level 0, then each parent), for storage.
 */
export function appendLeaf(
  f: Frontier,
  leaf: Hash,
): { frontier: Frontier; completed: { level: number; index: number; hash: Hash }[] } {
  const nodes = f.nodes.slice();
  const index = f.size;
  const completed = [{ level: 0, index, hash: leaf }];
  let level = 0;
  let hash = leaf;
  while (nodes.length > 0 && nodes[nodes.length - 1]![0] === level) {
    const [, left] = nodes.pop()!;
    hash = nodeHash(left, hash);
    level++;
    completed.push({ level, index: index >> level, hash });
  }
  nodes.push([level, hash]);
  return { frontier: { size: f.size + 1, nodes }, completed };
}

/** Root hash of the tree a frontier describes. */
export function frontierRoot(f: Frontier): Hash {
  if (f.nodes.length === 0) return EMPTY_ROOT;
  let acc = f.nodes[f.nodes.length - 1]![1];
  for (let i = f.nodes.length - 2; i >= 0; i--) acc = nodeHash(f.nodes[i]![1], acc);
  return acc;
}
