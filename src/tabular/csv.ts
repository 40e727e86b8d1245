// A CSV reader over the bytes of a stream: records with a header row, RFC 4180 quoting ("" for a
// quote inside a quoted field), CRLF, LF or CR line ends (the first one decides), a UTF-8 BOM,
// blank lines skipped and fields trimmed. It reads exactly as csv-parse 5 did with the options
// Steward used ({columns: true, bom: true, skip_empty_lines: true, trim: true}), including which
// error it reports, at which line and in which column, at a fraction of the cost: it scans bytes
// and cuts each field out of the chunk once, instead of appending byte by byte to a buffer. A row
// is handed over as the places of its fields in the bytes (CsvRow), so a reader of numbers or of
// a few repeated labels need not make a string of every field (createCsvRowReader); record objects
// keyed by the header's names are built on top of that (createCsvReader).

import { parseDecimal } from '../lib/decimal.ts';

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

/** Whitespace that trimming removes at a field's start and around a quoted field. */
const trimable = (c: number) => c === 0x20 || c === 0x09 || c === CR || c === LF || c === 0x0c;

/**
 * Malformed CSV, as csv-parse's CsvError named it: the code, the line (1 is the header), the column
 * (its header name once the header is read, null beyond the header's columns; its position while
 * reading the header) and the field's position in the record.
 */
export class CsvSyntaxError extends Error {
  constructor(
    readonly code: string,
    readonly lines: number,
    readonly column: string | number | null,
    readonly index: number,
  ) {
    super(`${code} at line ${lines}`);
  }
}

/** Record delimiters: unknown until the first line end outside quotes. */
const UNKNOWN = 0;
const ON_LF = 1;
const ON_CR = 2;
const ON_CRLF = 3;

/** Bytes that String.prototype.trimEnd removes at a field's end, among ASCII (\v included). */
const trimEndAscii = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

const SHORT_STRINGS = 4096;

/** Bytes that end a plain field, or show that it is not plain (a quote): one lookup a byte. */
const STOPS = new Uint8Array(256);
for (const c of [COMMA, LF, CR, QUOTE]) STOPS[c] = 1;

/**
 * One row as read, valid only during the call that hands it over (its bytes may be overwritten
 * next). Field `i` is either text (`text[i]`, a quoted field or one ending in a non-ASCII byte) or
 * the bytes `[start[i], end[i])` of `bytes`: empty, or ending in an ASCII byte that is not
 * whitespace. `string(i)` is the field exactly as csv-parse gave it (trimmed).
 */
export class CsvRow {
  bytes: Buffer = Buffer.alloc(0);
  count = 0;
  start = new Int32Array(16);
  end = new Int32Array(16);
  text: (string | undefined)[] = [];
  private readonly short = new Map<number, string>();
  // decimal(i)'s and string(i)'s answers for the current row (`row` counts the rows read, from 1).
  private decimals = new Float64Array(16);
  private decimalRow = new Int32Array(16);
  private strings: string[] = [];
  private stringRow = new Int32Array(16);
  private row = 1;

  string(i: number): string {
    const t = this.text[i];
    if (t !== undefined) return t;
    const s = this.start[i]!;
    const e = this.end[i]!;
    if (s === e) return '';
    if (e - s > 4) return this.bytes.toString('utf8', s, e);
    // Short fields (labels, codes, categories) repeat: one string each, found by its bytes once a
    // row (the profile and the columns both ask).
    if (this.stringRow[i] === this.row) return this.strings[i]!;
    let key = e - s;
    for (let k = s; k < e; k++) key = key * 256 + this.bytes[k]!;
    let v = this.short.get(key);
    if (v === undefined) {
      v = this.bytes.toString('utf8', s, e);
      if (this.short.size < SHORT_STRINGS) this.short.set(key, v);
    }
    this.stringRow[i] = this.row;
    this.strings[i] = v;
    return v;
  }

  /** The byte of field i when it is held as one byte (an ASCII character, not whitespace), else -1. */
  byteOf(i: number): number {
    const s = this.start[i]!;
    return this.text[i] === undefined && this.end[i]! - s === 1 ? this.bytes[s]! : -1;
  }

  /**
   * Field i read as a plain decimal from its bytes (parseDecimal), NaN when it is not one or is
   * text: read once per row however many readers ask (the profile and the columns both do).
   */
  decimal(i: number): number {
    if (this.text[i] !== undefined) return NaN;
    if (this.decimalRow[i] === this.row) return this.decimals[i]!;
    this.decimalRow[i] = this.row;
    return (this.decimals[i] = parseDecimal(this.bytes, this.start[i]!, this.end[i]!));
  }

  /** @internal */
  push(text: string | undefined, s: number, e: number): void {
    const i = this.count++;
    if (i === this.start.length) {
      const grown = <T extends Int32Array | Float64Array>(a: T, b: T): T => (b.set(a), b);
      this.start = grown(this.start, new Int32Array(2 * i));
      this.end = grown(this.end, new Int32Array(2 * i));
      this.decimals = grown(this.decimals, new Float64Array(2 * i));
      this.decimalRow = grown(this.decimalRow, new Int32Array(2 * i));
      this.stringRow = grown(this.stringRow, new Int32Array(2 * i));
    }
    this.text[i] = text;
    this.start[i] = s;
    this.end[i] = e;
  }

  /** @internal */
  clear(): void {
    for (let i = 0; i < this.count; i++) this.text[i] = undefined;
    this.count = 0;
    this.row = (this.row + 1) | 0;
  }
}

/**
 * A push parser: `push(chunk)` as bytes arrive, `end()` once they stopped; each data record goes
 * to `emit` as an object keyed by the header's names. Throws CsvSyntaxError.
 */
export function createCsvReader(emit: (record: Record<string, string>) => void) {
  let columns: string[] | undefined;
  return createCsvRowReader({
    header(names) {
      columns = names;
    },
    row(cells) {
      const obj: Record<string, string> = {};
      for (let i = 0; i < cells.count; i++) obj[columns![i]!] = cells.string(i);
      emit(obj);
    },
  });
}

/**
 * The same parser handing over the header's names once, then each data row as a CsvRow (the same
 * object every time, refilled). Throws CsvSyntaxError; what `row` throws goes through unchanged.
 */
export function createCsvRowReader(sink: { header(names: string[]): void; row(cells: CsvRow): void }) {
  let columns: string[] | undefined;
  const cells = new CsvRow();
  let lines = 1;
  let wasRowDelimiter = false;
  let rd = UNKNOWN;
  let bomChecked = false;
  // Bytes of a record not complete at the end of what arrived, and chunks gathered after them.
  let carry: Buffer | undefined;
  let gathered: Buffer[] = [];
  let gatheredBytes = 0;
  let work = Buffer.allocUnsafe(0);

  const recordDelimiterAt = (buf: Buffer, pos: number): number => {
    const c = buf[pos];
    if (rd === ON_LF) return c === LF ? 1 : 0;
    if (rd === ON_CR) return c === CR ? 1 : 0;
    if (rd === ON_CRLF) return c === CR && buf[pos + 1] === LF ? 2 : 0;
    return 0;
  };
  const discover = (buf: Buffer, pos: number) => {
    const c = buf[pos];
    if (c === CR) rd = buf[pos + 1] === LF ? ON_CRLF : ON_CR;
    else if (c === LF) rd = ON_LF;
  };

  /** Parses `buf` (whole records from its start); returns where the unfinished record begins. */
  function parse(buf: Buffer, end: boolean): number {
    const len = buf.length;
    // Decisions look up to three bytes ahead (a closing quote, then CRLF): wait for them.
    const limit = end ? len : len - 3;
    let pos = 0;
    if (!bomChecked) {
      if (len < 3 && !end) return 0;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
      bomChecked = true;
    }
    let recordStart = pos;
    // The state at recordStart, restored when the record is left for the next call.
    let savedLines = lines;
    let savedWasRowDelimiter = wasRowDelimiter;
    let savedRd = rd;
    // Fields of a record left unfinished by the previous call are read again from its start.
    const record = cells;
    record.clear();
    record.bytes = buf;
    // The current field: unquoted bytes [fs, fe), or quoted pieces.
    let fs = -1;
    let fe = -1;
    let quoting = false;
    let wasQuoting = false;
    let escaping = false;
    let pieces: string[] = [];
    let quotedBytes = 0;
    let pieceStart = 0;

    const info = (): [string | number | null, number] => [
      columns ? (columns.length > record.count ? columns[record.count]! : null) : record.count,
      record.count,
    ];
    const fail = (code: string): never => {
      const [column, index] = info();
      throw new CsvSyntaxError(code, lines, column, index);
    };
    const fieldEmpty = () => (wasQuoting || quoting ? quotedBytes === 0 : fs < 0);
    const endField = () => {
      if (wasQuoting) record.push(pieces.length === 1 ? pieces[0]! : pieces.join(''), 0, 0);
      else if (fs < 0) record.push(undefined, 0, 0);
      else {
        while (fe > fs && trimEndAscii(buf[fe - 1]!)) fe--;
        // A non-ASCII last byte may belong to whitespace that trimEnd removes (U+00A0, U+3000).
        if (fe > fs && buf[fe - 1]! >= 0x80) record.push(buf.toString('utf8', fs, fe).trimEnd(), 0, 0);
        else record.push(undefined, fs, fe);
      }
      fs = fe = -1;
      wasQuoting = false;
      pieces = [];
      quotedBytes = 0;
    };
    const endRecord = () => {
      if (!columns) {
        columns = Array.from({ length: record.count }, (_, i) => record.string(i));
        record.clear();
        sink.header(columns);
      } else {
        if (record.count !== columns.length) fail('CSV_RECORD_INCONSISTENT_COLUMNS');
        sink.row(record);
        record.clear();
      }
    };

    /**
     * Reads the record from `from` if it is plain: fields without quotes or whitespace before
     * them, ending in the record delimiter, with no other line end and no byte at or past `limit`
     * (which the byte-by-byte reading below would wait for). Pushes its fields as endField()
     * would and answers where the next record starts; else -1, having pushed some fields, and the
     * record is read byte by byte from its start.
     */
    const plainRecord = (from: number): number => {
      // A line end first: a blank line (skipped), or a line end of another kind than the record's.
      if (buf[from] === LF || buf[from] === CR) return -1;
      for (let p = from; ; p++) {
        const fieldStart = p;
        let c = 0;
        for (; p < limit; p++) {
          c = buf[p]!;
          if (STOPS[c] === 1) break;
        }
        if (p >= limit || c === QUOTE) return -1;
        if (p === fieldStart) record.push(undefined, 0, 0);
        else {
          if (trimable(buf[fieldStart]!)) return -1;
          let fe = p;
          while (fe > fieldStart && trimEndAscii(buf[fe - 1]!)) fe--;
          if (fe > fieldStart && buf[fe - 1]! >= 0x80)
            record.push(buf.toString('utf8', fieldStart, fe).trimEnd(), 0, 0);
          else record.push(undefined, fieldStart, fe);
        }
        if (c !== COMMA) {
          const rdLength = recordDelimiterAt(buf, p);
          return rdLength > 0 ? p + rdLength : -1;
        }
      }
    };

    for (; pos < len; pos++) {
      if (pos >= limit) {
        // Not enough bytes to decide: the record is parsed again once more have arrived.
        lines = savedLines;
        wasRowDelimiter = savedWasRowDelimiter;
        rd = savedRd;
        return recordStart;
      }
      if (wasRowDelimiter) {
        lines++;
        wasRowDelimiter = false;
      }
      // Most records are plain: read whole, as the loop below would read them byte by byte.
      if (pos === recordStart && columns && rd !== UNKNOWN) {
        const next = plainRecord(pos);
        if (next > 0) {
          wasRowDelimiter = true;
          endRecord();
          pos = next - 1;
          recordStart = next;
          savedLines = lines;
          savedWasRowDelimiter = wasRowDelimiter;
          savedRd = rd;
          continue;
        }
        record.count = 0;
      }
      if (!quoting && rd === UNKNOWN) discover(buf, pos);
      let c = buf[pos]!;
      // The body of an unquoted field or of a quoted one, up to the next byte that matters.
      if (!escaping && c !== CR && c !== LF) {
        if (quoting && !wasQuoting && c !== QUOTE) {
          while (pos + 1 < limit && (c = buf[pos + 1]!) !== QUOTE && c !== CR && c !== LF) pos++;
          continue;
        }
        if (!quoting && fs >= 0 && c !== QUOTE && c !== COMMA) {
          while (pos + 1 < limit && (c = buf[pos + 1]!) !== QUOTE && c !== COMMA && c !== CR && c !== LF) pos++;
          fe = pos + 1;
          continue;
        }
      }
      if (c === CR || c === LF) wasRowDelimiter = true;
      if (escaping) escaping = false;
      else {
        if (quoting && c === QUOTE && pos + 1 < len && buf[pos + 1] === QUOTE) {
          // "" inside quotes: the first is dropped, the second kept as a byte of the field.
          if (!wasQuoting) {
            pieces.push(buf.toString('utf8', pieceStart, pos));
            quotedBytes += pos - pieceStart;
          }
          pieceStart = pos + 1;
          escaping = true;
          continue;
        }
        if (c === QUOTE) {
          if (quoting) {
            const next = buf[pos + 1];
            if (rd === UNKNOWN) discover(buf, pos + 1);
            if (!next || next === COMMA || trimable(next) || recordDelimiterAt(buf, pos + 1) > 0) {
              if (!wasQuoting) {
                pieces.push(buf.toString('utf8', pieceStart, pos));
                quotedBytes += pos - pieceStart;
              }
              quoting = false;
              wasQuoting = true;
              continue;
            }
            fail('CSV_INVALID_CLOSING_QUOTE');
          } else {
            if (!fieldEmpty()) fail('INVALID_OPENING_QUOTE');
            quoting = true;
            pieceStart = pos + 1;
            continue;
          }
        }
        if (!quoting) {
          const rdLength = recordDelimiterAt(buf, pos);
          if (rdLength > 0) {
            if (!(wasQuoting === false && record.count === 0 && fieldEmpty())) {
              endField();
              endRecord();
            }
            pos += rdLength - 1;
            recordStart = pos + 1;
            savedLines = lines;
            savedWasRowDelimiter = wasRowDelimiter;
            savedRd = rd;
            continue;
          }
          if (c === COMMA) {
            endField();
            continue;
          }
        }
      }
      // A byte of the field's content, or whitespace around it. After a closing quote only
      // whitespace may follow (also inside quotes reopened after an empty quoted value, as
      // csv-parse reads `"" "x"`).
      if (wasQuoting) {
        if (!trimable(c)) fail('CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE');
        continue;
      }
      if (quoting) continue; // inside quotes every byte is content (its piece ends at the quote)
      if (fs < 0) {
        if (trimable(c)) continue;
        fs = pos;
      }
      fe = pos + 1;
    }
    // Everything arrived (end): the last record may lack its line end.
    if (quoting) fail('CSV_QUOTE_NOT_CLOSED');
    if (wasQuoting || record.count > 0 || !fieldEmpty()) {
      endField();
      endRecord();
    }
    if (wasRowDelimiter) {
      lines++;
      wasRowDelimiter = false;
    }
    return len;
  }

  return {
    push(chunk: Buffer): void {
      if (carry) {
        // A long unfinished record is parsed again only once the bytes after it at least match
        // it in size, so a field spanning many chunks costs linear time, not quadratic.
        gathered.push(chunk);
        gatheredBytes += chunk.length;
        if (gatheredBytes < carry.length) return;
        // The carried bytes and the new ones, joined in a buffer kept for the purpose (fields are
        // copied out as strings, so it may be overwritten): no new buffer for every chunk.
        const size = carry.length + gatheredBytes;
        if (work.length < size) work = Buffer.allocUnsafe(Math.max(size, 2 * work.length));
        carry.copy(work, 0);
        let at = carry.length;
        for (const g of gathered) at += g.copy(work, at);
        chunk = work.subarray(0, size);
        gathered = [];
        gatheredBytes = 0;
      }
      const from = parse(chunk, false);
      // What is left is copied out of the chunk (or out of `work`, which the next push reuses).
      carry = from < chunk.length ? Buffer.from(chunk.subarray(from)) : undefined;
    },
    end(): void {
      const rest = Buffer.concat([...(carry ? [carry] : []), ...gathered]);
      carry = undefined;
      gathered = [];
      parse(rest, true);
    },
  };
}
