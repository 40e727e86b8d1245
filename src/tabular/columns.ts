// Typed columns gathered as rows stream in, then handed over whole.
import type { CodedColumn } from '../domain/metrics/fairness.ts';

const CHUNK = 65_536;

/** The most bytes a resizable ArrayBuffer may reserve in Node 20 (4 GiB). */
const MOST_RESERVED = 2 ** 32;

/** A resizable ArrayBuffer (ES2024, in Node 20; the project's `lib` does not describe it yet). */
interface ResizableBuffer extends ArrayBuffer {
  readonly maxByteLength: number;
  resize(byteLength: number): void;
}
const ResizableBuffer = ArrayBuffer as unknown as new (
  byteLength: number,
  options: { maxByteLength: number },
) => ResizableBuffer;

interface ArrayType<T> {
  new (length: number): T;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * Values gathered as they stream in. By default in fixed chunks joined into one typed array at
 * the end: the values exist twice while they are joined, and the chunks stay behind until the
 * garbage collector frees them (at 10,000,000 scores, 80 MiB each).
 *
 * With `reserve` (the most values the column can take), in one resizable ArrayBuffer that
 * reserves address space for them up front and takes memory only as it is written: growing never
 * copies, and done() hands over that very memory. Past the reservation (4 GiB at most), or where
 * none can be had, the column goes on in chunks. The array handed over then lives in a resizable
 * ArrayBuffer, which can be moved to a worker thread (transferred) but which Node 20 cannot copy
 * there by structured clone: reserve only for columns that are moved (src/tabular/compute.ts).
 */
class Gathered<T extends Float64Array | Uint8Array> {
  private buffer: ResizableBuffer | undefined;
  private chunks: T[] = [];
  private current: T;
  private at = 0;

  constructor(
    private readonly type: ArrayType<T>,
    reserve?: number,
  ) {
    if (reserve !== undefined && reserve > 0) {
      const maxByteLength = Math.min(MOST_RESERVED, reserve * type.BYTES_PER_ELEMENT);
      try {
        this.buffer = new ResizableBuffer(0, { maxByteLength });
      } catch {
        // No address space to reserve (a ulimit -v, say): chunks, as without a reservation.
      }
    }
    this.current = new type(this.buffer ? 0 : CHUNK);
  }

  push(v: number): void {
    if (this.at === this.current.length) this.grow();
    this.current[this.at++] = v;
  }

  private grow(): void {
    const buffer = this.buffer;
    const size = this.type.BYTES_PER_ELEMENT;
    if (buffer && this.chunks.length === 0 && buffer.byteLength < buffer.maxByteLength) {
      // Doubling costs nothing here: pages are taken when written, and done() gives back the rest.
      const bytes = Math.min(
        buffer.maxByteLength - (buffer.maxByteLength % size),
        Math.max(CHUNK * size, 2 * buffer.byteLength),
      );
      buffer.resize(bytes);
      this.current = new this.type(buffer, 0, bytes / size);
      return;
    }
    this.chunks.push(this.current);
    this.current = new this.type(CHUNK);
    this.at = 0;
  }

  /**
   * Hands the values so far to `write` in order and forgets them; later values gather in chunks
   * of `next` values (a caller that drains every n values needs no more than n).
   */
  drain(write: (values: T) => void, next = CHUNK): void {
    for (const c of this.chunks) write(c);
    write(this.current.subarray(0, this.at) as T);
    this.chunks = [];
    this.at = 0;
    if (this.buffer || this.current.length > next) {
      this.buffer = undefined;
      this.current = new this.type(next);
    }
  }

  done(): T {
    if (this.buffer && this.chunks.length === 0) {
      this.buffer.resize(this.at * this.type.BYTES_PER_ELEMENT);
      return new this.type(this.buffer, 0, this.at);
    }
    let n = this.at;
    for (const c of this.chunks) n += c.length;
    const out = new this.type(n);
    let from = 0;
    for (const c of this.chunks) {
      out.set(c, from);
      from += c.length;
    }
    out.set(this.current.subarray(0, this.at), from);
    this.chunks = [];
    return out;
  }
}

/** A column of numbers: 8 bytes a row, without the copies and slack of an array grown by doubling. */
export class NumberColumn extends Gathered<Float64Array> {
  /** `reserve`: the most values it may take, to grow in place (see Gathered) rather than in chunks. */
  constructor(reserve?: number) {
    super(Float64Array, reserve);
  }
}

/** A column of bytes (binary labels as 0/1) gathered like NumberColumn: one byte a row. */
export class ByteColumn extends Gathered<Uint8Array> {
  constructor(reserve?: number) {
    super(Uint8Array, reserve);
  }
}

/**
 * A categorical column as a code a row, in chunks, and its distinct values: a byte a code while
 * there are at most 256 values (the chunks are widened once if more come), handed over as such
 * (a CodedColumn) rather than as an array of a string reference (8 bytes) a row.
 */
export class CategoryColumn {
  private codes: (Uint8Array | Uint32Array)[] = [];
  private current: Uint8Array | Uint32Array = new Uint8Array(CHUNK);
  private at = 0;
  private readonly code = new Map<string, number>();
  private readonly values: string[] = [];
  // The code of each one-byte value pushed with its byte, or -1.
  private readonly byByte = new Int32Array(256).fill(-1);

  /** Pushes `value`; with `byte`, the byte of a one-byte value, pushByte() knows the value from then on. */
  push(value: string, byte = -1): void {
    let c = this.code.get(value);
    if (c === undefined) {
      this.code.set(value, (c = this.values.length));
      this.values.push(value);
      if (c === 256) {
        this.codes = this.codes.map((chunk) => Uint32Array.from(chunk));
        this.current = Uint32Array.from(this.current);
      }
    }
    if (byte >= 0) this.byByte[byte] = c;
    this.append(c);
  }

  /** Pushes the one-byte value of this byte if push() has been given it (true), else nothing (false). */
  pushByte(byte: number): boolean {
    const c = this.byByte[byte]!;
    if (c < 0) return false;
    this.append(c);
    return true;
  }

  private append(c: number): void {
    if (this.at === CHUNK) {
      this.codes.push(this.current);
      this.current = this.values.length > 256 ? new Uint32Array(CHUNK) : new Uint8Array(CHUNK);
      this.at = 0;
    }
    this.current[this.at++] = c;
  }

  /** Hands the codes so far to `write` in order as 32-bit integers and forgets them (the values stay). */
  drain(write: (codes: Uint32Array) => void): void {
    for (const c of this.codes) write(c instanceof Uint32Array ? c : Uint32Array.from(c));
    write(Uint32Array.from(this.current.subarray(0, this.at)));
    this.codes = [];
    this.at = 0;
  }

  /** The distinct values, code k being values[k]. */
  get distinct(): string[] {
    return this.values;
  }

  done(): CodedColumn {
    const n = this.codes.length * CHUNK + this.at;
    const codes = this.values.length > 256 ? new Uint32Array(n) : new Uint8Array(n);
    this.codes.forEach((c, i) => codes.set(c, i * CHUNK));
    codes.set(this.current.subarray(0, this.at), this.codes.length * CHUNK);
    this.codes = [];
    return { codes, values: this.values };
  }
}
