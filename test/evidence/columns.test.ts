import { describe, expect, it } from 'vitest';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { ByteColumn, NumberColumn } from '../../src/tabular/columns.ts';
import { transferable } from '../../src/lib/worker-pool.ts';

const filled = <T extends NumberColumn | ByteColumn>(column: T, n: number, value: (i: number) => number) => {
  for (let i = 0; i < n; i++) column.push(value(i));
  return column.done();
};

describe('typed columns', () => {
  it('hold the same values in chunks, grown in place, or past their reservation', () => {
    const value = (i: number) => (i * 7919) / 13 - 5;
    const n = 200_000; // several chunks of 65,536
    const chunked = filled(new NumberColumn(), n, value);
    const inPlace = filled(new NumberColumn(n), n, value);
    const overrun = filled(new NumberColumn(1_000), n, value);
    const expected = Float64Array.from({ length: n }, (_, i) => value(i));
    for (const column of [chunked, inPlace, overrun]) {
      expect(column).toBeInstanceOf(Float64Array);
      expect(column.length).toBe(n);
      expect(Buffer.compare(Buffer.from(column.buffer), Buffer.from(expected.buffer))).toBe(0);
    }
    const bytes = filled(new ByteColumn(n), n, (i) => i & 1);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([bytes.length, bytes[0], bytes[1], bytes[n - 1]]).toEqual([n, 0, 1, 1]);
    expect(filled(new NumberColumn(10), 0, value)).toEqual(new Float64Array(0));
  });

  it('hand over memory grown in place whole, so it moves to another thread without a copy', () => {
    const column = filled(new NumberColumn(1_000_000), 100_000, (i) => i / 3);
    // Grown in place (a resizable buffer), and exactly the values: nothing reserved beyond them.
    expect((column.buffer as ArrayBuffer & { resizable: boolean }).resizable).toBe(true);
    expect(column.byteOffset).toBe(0);
    expect(column.byteLength).toBe(column.buffer.byteLength);
    const buffers = transferable(column);
    expect(buffers).toEqual([column.buffer]);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(column, buffers);
    const moved = receiveMessageOnPort(port2)!.message as Float64Array;
    port1.close();
    expect(column.length).toBe(0); // moved, not copied
    expect([moved.length, moved[3], moved[99_999]]).toEqual([100_000, 1, 99_999 / 3]);
  });
});
