import { randomFillSync } from 'node:crypto';

/** Identifier source, injectable for deterministic tests. */
export interface IdSource {
  next(): string;
}

/**
 * RFC 9562 UUIDv7 ids: time-ordered, so rows created in sequence sort in creation order even
 * within one millisecond (rand_a is a per-process counter while the clock stands still).
 */
export function createUuidV7Source(now: () => number = Date.now): IdSource {
  let lastMs = -1;
  let counter = 0;
  // Random bytes drawn 4 KiB at a time: one call per id cost more than the rest of the id.
  const pool = Buffer.alloc(4096);
  let used = pool.length;
  return {
    next() {
      let ms = now();
      if (ms <= lastMs) {
        counter++;
        if (counter > 0xfff) {
          // Counter exhausted within one millisecond: borrow the next millisecond.
          lastMs++;
          counter = 0;
        }
        ms = lastMs;
      } else {
        lastMs = ms;
        counter = 0;
      }
      const b = Buffer.allocUnsafe(16);
      if (used + 16 > pool.length) {
        randomFillSync(pool);
        used = 0;
      }
      pool.copy(b, 0, used, (used += 16));
      b.writeUIntBE(ms, 0, 6);
      b[6] = 0x70 | (counter >> 8);
      b[7] = counter & 0xff;
      b[8] = 0x80 | (b[8]! & 0x3f);
      const h = b.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
}

export const randomIds: IdSource = createUuidV7Source();
