import { Worker } from 'node:worker_threads';
import { leafHashOfText } from '../../domain/merkle.ts';
import type { LeafChunk } from '../../domain/audit-verify.ts';

/** Hashes leaf texts into one buffer of 32-byte RFC 9162 leaf hashes, in order. */
export interface LeafHasher {
  hash(leaves: string[]): Promise<Buffer>;
  close(): Promise<void>;
}

export const inThreadHasher: LeafHasher = {
  hash: async (leaves) => {
    const out = Buffer.allocUnsafe(leaves.length * 32);
    leaves.forEach((leaf, i) => leafHashOfText(leaf).copy(out, i * 32));
    return out;
  },
  close: async () => {},
};

// Plain CommonJS so the worker runs the same whether Steward runs from TypeScript or compiled.
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
let scratch = Buffer.allocUnsafe(1 << 16);
parentPort.on('message', ({ id, leaves }) => {
  const out = new Uint8Array(new ArrayBuffer(leaves.length * 32));
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i];
    if (leaf.length * 3 + 1 > scratch.length) scratch = Buffer.allocUnsafe(leaf.length * 6 + 2);
    scratch[0] = 0;
    const n = scratch.write(leaf, 1, 'utf8');
    out.set(hash('sha256', scratch.subarray(0, n + 1), 'buffer'), i * 32);
  }
  parentPort.postMessage({ id, out: out.buffer }, [out.buffer]);
});`;

/**
 * Leaf hashing on a second thread, so that a verification reads the next chunk of the log while
 * the previous one is being hashed (the two costs are about equal).
 */
export function workerHasher(): LeafHasher {
  const worker = new Worker(WORKER, { eval: true });
  const waiting = new Map<number, { resolve: (b: Buffer) => void; reject: (e: unknown) => void }>();
  let nextId = 0;
  worker.on('message', ({ id, out }: { id: number; out: ArrayBuffer }) => {
    waiting.get(id)?.resolve(Buffer.from(out));
    waiting.delete(id);
  });
  worker.on('error', (err) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  });
  return {
    hash: (leaves) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, leaves });
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}

/**
 * Hashes chunks of stored leaves one chunk ahead of their consumer: while the verifier folds chunk
 * i into the tree, the next chunk is being read and chunk i+1 hashed.
 */
export async function* hashedChunks(
  chunks: AsyncIterable<{ seq: number; leaf: string }[]>,
  hasher: LeafHasher,
): AsyncGenerator<LeafChunk> {
  let pending: Promise<LeafChunk> | undefined;
  for await (const rows of chunks) {
    const next = hasher.hash(rows.map((r) => r.leaf)).then((hashes) => ({ seqs: rows.map((r) => r.seq), hashes }));
    if (pending) yield await pending;
    pending = next;
  }
  if (pending) yield await pending;
}
