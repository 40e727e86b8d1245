import { verifyCheckpointNote } from './checkpoint.ts';
import { nodeHash, EMPTY_ROOT, type Hash } from './merkle.ts';

export interface StoredCheckpoint {
  treeSize: number;
  note: string;
}

export interface VerifyInput {
  origin: string;
  keyName: string;
  publicKey: Buffer;
  /** Every checkpoint kept, in any order. */
  checkpoints: StoredCheckpoint[];
  /** The stored events in ascending seq order, in chunks: their seqs and leaf hashes. */
  events: AsyncIterable<LeafChunk>;
  /** The tree size the log claims (e.g. the head counter, or an export header). */
  claimedSize?: number;
}

/** Consecutive stored events: their sequence numbers and their leaf hashes (32 bytes each, in order). */
export interface LeafChunk {
  seqs: number[];
  hashes: Buffer;
}

export interface VerifyProblem {
  /** First sequence number affected (1-based), or null when the problem is not tied to one. */
  seq: number | null;
  message: string;
  /** The events [from, to] a signed root failed to cover, when the culprit is not yet pinned down. */
  range?: [number, number];
}

export interface VerifyReport {
  ok: boolean;
  events: number;
  checkpoints: number;
  /** Size of the largest checkpoint whose root was reproduced. */
  verifiedSize: number;
  rootHash: string;
  problems: VerifyProblem[];
}

/**
 * Re-derives every leaf from the events, recomputes the RFC 9162 tree incrementally (O(log n)
 * memory), and checks each checkpoint's signature, origin and root against the recomputed tree at
 * its size. Roots that match one recomputed history are consistent with each other, so this also
 * proves every checkpoint consistent with every later one.
 */
export async function verifyAuditLog(input: VerifyInput): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const checkpoints: { treeSize: number; root: Buffer }[] = [];
  for (const c of input.checkpoints) {
    const res = verifyCheckpointNote(c.note, input.keyName, input.publicKey);
    if (!res.ok) {
      problems.push({
        seq: c.treeSize > 0 ? c.treeSize : null,
        message: `checkpoint of size ${c.treeSize}: ${res.reason}`,
      });
      continue;
    }
    if (res.checkpoint.origin !== input.origin)
      problems.push({
        seq: null,
        message: `checkpoint of size ${c.treeSize} names origin '${res.checkpoint.origin}', not '${input.origin}'`,
      });
    if (res.checkpoint.treeSize !== c.treeSize)
      problems.push({
        seq: null,
        message: `checkpoint stored as size ${c.treeSize} signs size ${res.checkpoint.treeSize}`,
      });
    checkpoints.push({ treeSize: res.checkpoint.treeSize, root: res.checkpoint.rootHash });
  }
  checkpoints.sort((a, b) => a.treeSize - b.treeSize);

  // Right edge of the tree: [level, hash] of perfect subtrees, largest first.
  const frontier: [number, Hash][] = [];
  const root = (): Hash => {
    if (frontier.length === 0) return EMPTY_ROOT;
    let acc = frontier[frontier.length - 1]![1];
    for (let i = frontier.length - 2; i >= 0; i--) acc = nodeHash(frontier[i]![1], acc);
    return acc;
  };
  let size = 0;
  let next = 0;
  let lastGood = 0;
  const checkAt = () => {
    while (next < checkpoints.length && checkpoints[next]!.treeSize <= size) {
      const cp = checkpoints[next++]!;
      if (cp.treeSize < size) continue;
      if (cp.treeSize === 0 ? !cp.root.equals(EMPTY_ROOT) : !root().equals(cp.root)) {
        problems.push({
          seq: lastGood + 1,
          message: `events ${lastGood + 1}..${cp.treeSize} do not reproduce the signed root of checkpoint ${cp.treeSize} (an event in that range was altered, reordered or replaced)`,
          range: [lastGood + 1, cp.treeSize],
        });
      } else {
        lastGood = cp.treeSize;
      }
    }
  };
  checkAt();

  for await (const chunk of input.events) {
    for (let i = 0; i < chunk.seqs.length; i++) {
      const seq = chunk.seqs[i]!;
      const expected = size + 1;
      if (seq !== expected) {
        problems.push({
          seq: expected,
          message:
            seq > expected
              ? `event ${expected} is missing (next stored event is ${seq})`
              : `event ${seq} is out of order (expected ${expected})`,
        });
        return finish();
      }
      let level = 0;
      let hash: Hash = chunk.hashes.subarray(i * 32, i * 32 + 32);
      while (frontier.length > 0 && frontier[frontier.length - 1]![0] === level) {
        hash = nodeHash(frontier.pop()![1], hash);
        level++;
      }
      frontier.push([level, hash]);
      size++;
      checkAt();
    }
  }
  return finish();

  function finish(): VerifyReport {
    for (const cp of checkpoints.slice(next)) {
      if (cp.treeSize > size)
        problems.push({
          seq: size + 1,
          message: `checkpoint of size ${cp.treeSize} covers events up to ${cp.treeSize}, but the log ends at ${size} (truncated or deleted tail)`,
        });
    }
    // Steward signs a checkpoint in the transaction of every write, so every event is under one.
    const signed = checkpoints.length > 0 ? checkpoints[checkpoints.length - 1]!.treeSize : 0;
    if (size > signed && !problems.some((p) => p.range && p.range[1] >= size)) {
      problems.push({
        seq: signed + 1,
        message: `events ${signed + 1}..${size} are not covered by any signed checkpoint (appended outside Steward, or their checkpoints were removed)`,
        range: [signed + 1, size],
      });
    }
    if (
      input.claimedSize !== undefined &&
      input.claimedSize !== size &&
      !problems.some((p) => p.message.includes('truncated'))
    ) {
      problems.push({
        seq: Math.min(size, input.claimedSize) + 1,
        message: `the log claims ${input.claimedSize} events but holds ${size}`,
      });
    }
    problems.sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity));
    return {
      ok: problems.length === 0,
      events: size,
      checkpoints: input.checkpoints.length,
      verifiedSize: lastGood,
      rootHash: root().toString('hex'),
      problems,
    };
  }
}
