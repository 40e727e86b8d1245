// Typed columns gathered in fixed chunks as rows stream in, then handed over whole.
import type { CodedColumn } from '../domain/metrics/fairness.ts';

const CHUNK = 65_536;

/**
 * A column of numbers gathered in fixed chunks and joined into one typed array at the end: 8 bytes
 * a row, without the copies and the up-to-double slack of an array grown by doubling.
 */
export class NumberColumn {
  private chunks: Float64Array[] = [];
  private current = new Float64Array(CHUNK);
  private at = 0;

  push(v: number): void {
    if (this.at === CHUNK) {
      this.chunks.push(this.current);
      this.current = new Float64Array(CHUNK);
      this.at = 0;
    }
    this.current[this.at++] = v;
  }

  done(): Float64Array {
    const out = new Float64Array(this.chunks.length * CHUNK + this.at);
    this.chunks.forEach((c, i) => out.set(c, i * CHUNK));
    out.set(this.current.subarray(0, this.at), this.chunks.length * CHUNK);
    this.chunks = [];
    return out;
  }
}

/** A column of bytes (binary labels as 0/1) gathered in chunks like NumberColumn: one byte a row. */
export class ByteColumn {
  private chunks: Uint8Array[] = [];
  private current = new Uint8Array(CHUNK);
  private at = 0;

  push(v: number): void {
    if (this.at === CHUNK) {
      this.chunks.push(this.current);
      this.current = new Uint8Array(CHUNK);
      this.at = 0;
    }
    this.current[this.at++] = v;
  }

  done(): Uint8Array {
    const out = new Uint8Array(this.chunks.length * CHUNK + this.at);
    this.chunks.forEach((c, i) => out.set(c, i * CHUNK));
    out.set(this.current.subarray(0, this.at), this.chunks.length * CHUNK);
    this.chunks = [];
    return out;
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

  push(value: string): void {
    let c = this.code.get(value);
    if (c === undefined) {
      this.code.set(value, (c = this.values.length));
      this.values.push(value);
      if (c === 256) {
        this.codes = this.codes.map((chunk) => Uint32Array.from(chunk));
        this.current = Uint32Array.from(this.current);
      }
    }
    if (this.at === CHUNK) {
      this.codes.push(this.current);
      this.current = this.values.length > 256 ? new Uint32Array(CHUNK) : new Uint8Array(CHUNK);
      this.at = 0;
    }
    this.current[this.at++] = c;
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
