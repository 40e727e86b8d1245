/**
 * A streaming profile of tabular data: per column missing values, distinct values (capped),
 * constant columns, numeric/text type and values of the minority type, numeric range; duplicate
 * rows; and a personal-data scan of the values (e-mails, phone numbers, IBANs with their mod-97
 * check, payment cards with Luhn, IP addresses, US SSNs, UK National Insurance numbers) that
 * reports counts and row numbers, never the values.
 */
export interface ColumnProfile {
  column: string;
  missing: number;
  distinct: number;
  distinctCapped: boolean;
  constant: boolean;
  type: 'numeric' | 'text' | 'empty';
  /** Values not of the column's majority type (e.g. text in a numeric column). */
  typeMismatches: number;
  min?: number;
  max?: number;
  /** With an expected range for the column: numeric values outside it, and the first rows holding them. */
  range?: { min: number; max: number; outside: number; sampleRows: number[] };
  personalData: { kind: string; count: number; sampleRows: number[] }[];
}

export interface DataProfile {
  rows: number;
  duplicateRows: number;
  duplicatesCheckedRows: number;
  missingRate: number;
  columns: ColumnProfile[];
}

const luhn = (digits: string): boolean => {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
};

const ibanValid = (iban: string): boolean => {
  const moved = `${iban.slice(4)}${iban.slice(0, 4)}`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rem = 0;
  for (const ch of moved) rem = (rem * 10 + (ch.charCodeAt(0) - 48)) % 97;
  return rem === 1;
};

/** What one pass over a cell tells about which detectors could match at all. */
export interface CellShape {
  digits: number;
  dots: number;
  letters: boolean;
  at: boolean;
  colon: boolean;
  dash: boolean;
  plus: boolean;
}

export function cellShape(text: string): CellShape {
  const shape: CellShape = { digits: 0, dots: 0, letters: false, at: false, colon: false, dash: false, plus: false };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) shape.digits++;
    else if (c === 46) shape.dots++;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) shape.letters = true;
    else if (c === 64) shape.at = true;
    else if (c === 58) shape.colon = true;
    else if (c === 45) shape.dash = true;
    else if (c === 43) shape.plus = true;
  }
  return shape;
}

/**
 * Each detector finds candidate substrings and confirms them (checksums where the format has one);
 * `possible` rules a cell out from its shape alone, so most numeric cells cost no regex at all.
 */
export const PII_DETECTORS: {
  kind: string;
  pattern: RegExp;
  confirm?: (match: string) => boolean;
  possible: (s: CellShape) => boolean;
}[] = [
  // Bounded parts (RFC 5321 lengths) keep the scan linear: an unbounded local part rescans the
  // whole run of letters from every start, quadratic in a long cell without a domain.
  {
    kind: 'email',
    pattern:
      /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}/g,
    possible: (s) => s.at,
  },
  {
    kind: 'iban',
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g,
    confirm: (m) => ibanValid(m.replace(/ /g, '')),
    possible: (s) => s.letters && s.digits >= 2,
  },
  // Not inside a decimal number: the digits after a float's point (0.2400000000000002) are not a card.
  {
    kind: 'payment-card',
    pattern: /(?<![\d.])\d(?:[ -]?\d){12,18}(?!\d|\.\d)/g,
    confirm: (m) => luhn(m.replace(/[ -]/g, '')),
    possible: (s) => s.digits >= 13,
  },
  {
    kind: 'us-ssn',
    pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g,
    possible: (s) => s.dash && s.digits >= 9,
  },
  {
    kind: 'uk-nino',
    pattern: /\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIQUVO])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g,
    possible: (s) => s.letters && s.digits >= 6,
  },
  {
    kind: 'ipv4',
    pattern: /\b(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\b/g,
    possible: (s) => s.dots >= 3 && s.digits >= 4,
  },
  {
    kind: 'ipv6',
    pattern:
      /\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b|\b(?:[0-9a-fA-F]{1,4}:){1,7}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6})?\b/g,
    possible: (s) => s.colon,
  },
  // Not after a decimal point either: a score below 0.01 (0.0049301234567) is not a number dialled
  // from abroad.
  {
    kind: 'phone',
    pattern: /(?:\+|(?<!\d\.)\b00)[1-9]\d{0,2}[ .-]?(?:\(?\d{1,4}\)?[ .-]?){2,5}\d{2,4}\b/g,
    confirm: (m) => m.replace(/\D/g, '').length >= 8,
    possible: (s) => s.digits >= 8,
  },
];

/**
 * A row's cells as a byte-level reader holds them (src/tabular/csv.ts's CsvRow): field i is
 * `text[i]`, or else the bytes [start[i], end[i]) of `bytes`, empty or ending in an ASCII byte
 * that is not whitespace; `string(i)` is its text either way.
 */
export interface RowCells {
  bytes: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  text: (string | undefined)[];
  string(i: number): string;
  /**
   * parseDecimal() of field i's bytes (the same double as Number() of its text): a number only
   * for a plain decimal, `-?digits(.digits)?`; NaN otherwise, or when Number() has to decide.
   */
  decimal(i: number): number;
}

const DISTINCT_CAP = 10_000;
const SHORT = 4;
const SHORT_VALUES = 256;
const DUPLICATE_CAP = 1_000_000;
const SAMPLE_ROWS = 5;

/**
 * Row fingerprints seen so far, for counting duplicate rows: an open-addressing table of 53-bit
 * hashes in a typed array (8 bytes a slot, at most half full) instead of a Set of boxed numbers.
 * Each row's fields are hashed as they stand (two 32-bit multiply-xor lanes over the fields and a
 * separator after each), without joining them into one string first. A collision (odds about 1 in
 * 10^4 at a million rows) could only overstate duplicates by one.
 */
class RowHashes {
  size = 0;
  private bits = 12;
  // Slot k is [2k] the hash's top 32 bits and [2k + 1] its low 21 bits plus one (0 marks an
  // empty slot): side by side, so a probe touches one cache line, not two.
  private slots = new Uint32Array(2 << this.bits);
  private a = 0;
  private b = 0;

  start(): void {
    this.a = 0x9e3779b9;
    this.b = 0x85ebca6b;
  }

  feed(text: string): void {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    this.a = Math.imul(a ^ 1, 0x01000193);
    this.b = Math.imul(b ^ 1, 0x5bd1e995);
  }

  /**
   * As feed() of the same text, for ASCII bytes; false, having fed nothing, when a byte is not
   * ASCII (the caller then feeds the text).
   */
  feedAscii(bytes: Uint8Array, start: number, end: number): boolean {
    let a = this.a;
    let b = this.b;
    let all = 0;
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      all |= c;
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    if (all >= 0x80) return false;
    this.a = Math.imul(a ^ 1, 0x01000193);
    this.b = Math.imul(b ^ 1, 0x5bd1e995);
    return true;
  }

  /** Ends the row: true when its hash was seen before, else it is remembered. */
  seen(): boolean {
    const a = Math.imul(this.a ^ (this.a >>> 15), 0x2c1b3c6d) ^ Math.imul(this.b ^ (this.b >>> 13), 0x297a2d39);
    const hi = (Math.imul(this.b ^ (this.b >>> 16), 0x85ebca6b) ^ (a >>> 7)) >>> 0;
    const lo = ((a >>> 0) >>> 11) + 1;
    const mask = (1 << this.bits) - 1;
    const slots = this.slots;
    for (let at = Math.imul(hi ^ lo, 0x9e3779b1) >>> (32 - this.bits); ; at = (at + 1) & mask) {
      if (slots[2 * at + 1] === 0) {
        slots[2 * at] = hi;
        slots[2 * at + 1] = lo;
        if (++this.size * 2 > mask) this.grow();
        return false;
      }
      if (slots[2 * at] === hi && slots[2 * at + 1] === lo) return true;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.bits++;
    const slots = (this.slots = new Uint32Array(2 << this.bits));
    const mask = (1 << this.bits) - 1;
    for (let k = 0; k < old.length; k += 2) {
      const hi = old[k]!;
      const lo = old[k + 1]!;
      if (lo === 0) continue;
      let at = Math.imul(hi ^ lo, 0x9e3779b1) >>> (32 - this.bits);
      while (slots[2 * at + 1] !== 0) at = (at + 1) & mask;
      slots[2 * at] = hi;
      slots[2 * at + 1] = lo;
    }
  }
}

const NOTHING: { kind: string; count: number }[] = [];

/** What the profile knows of a short value: its number (NaN for text) and the personal data it holds. */
interface Known {
  n: number;
  found: { kind: string; count: number }[];
}

/**
 * True for a decimal number with a fractional part (`0.8341275`, `-12.5`), the bulk of a file of
 * scores, when no detector can match it: without letters, `@`, `:`, `+` or a dash between digits
 * only a card or a phone number could, and neither does. A card number needs 13 digits in a run
 * that no digit or point precedes and no digit or decimal part follows: a run starting in the
 * integer part ends at the point, one in the fraction follows it. A phone number without `+`
 * starts with `00` after a word boundary and not after a decimal point: only the start of the
 * integer part can be that. Read char by char (`-?digits.digits`, the integer part not starting
 * `00`): this runs for every such cell.
 */
function noPersonalDataIn(text: string): boolean {
  const n = text.length;
  let i = n > 0 && text.charCodeAt(0) === 45 ? 1 : 0;
  const intStart = i;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  const point = i;
  if (point === intStart || point >= n - 1 || text.charCodeAt(point) !== 46) return false;
  for (i = point + 1; i < n; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return !(point - intStart >= 2 && zeroZero(text, intStart));
}

/**
 * noPersonalDataIn() of a field known to be a plain decimal (`-?digits(.digits)?`, as
 * parseDecimal() reads one): only its integer part is read.
 */
function noPersonalDataInDecimal(bytes: Uint8Array, start: number, end: number): boolean {
  const intStart = start < end && bytes[start] === 45 ? start + 1 : start;
  let point = intStart;
  while (point < end && bytes[point] !== 46) point++;
  if (point >= end - 1) return false;
  return !(point - intStart >= 2 && bytes[intStart] === 48 && bytes[intStart + 1] === 48);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function zeroZero(text: string, at: number): boolean {
  return text.charCodeAt(at) === 48 && text.charCodeAt(at + 1) === 48;
}

/**
 * Personal data in one cell, by kind. Numbers are scanned too: card and phone numbers often
 * arrive as numeric columns. A span claimed by an earlier (more specific, checksummed) detector is
 * not claimed again, so the digits of an IBAN are not also a phone number.
 */
function scan(text: string): { kind: string; count: number }[] {
  if (noPersonalDataIn(text)) return NOTHING;
  const shape = cellShape(text);
  let found: { kind: string; count: number }[] | undefined;
  const claimed: [number, number][] = [];
  for (const d of PII_DETECTORS) {
    if (!d.possible(shape)) continue;
    d.pattern.lastIndex = 0;
    const hits = [...text.matchAll(d.pattern)].filter((m) => {
      const from = m.index!;
      const to = from + m[0].length;
      return (!d.confirm || d.confirm(m[0])) && !claimed.some(([a, b]) => from < b && a < to);
    });
    if (hits.length === 0) continue;
    for (const m of hits) claimed.push([m.index!, m.index! + m[0].length]);
    (found ??= []).push({ kind: d.kind, count: hits.length });
  }
  return found ?? NOTHING;
}

/** Profiles records as they stream by; `ranges` gives columns' expected [min, max] (inclusive). */
export function createProfiler(columns: string[], ranges: Record<string, [number, number]> = {}) {
  const cols = columns.map((column) => ({
    column,
    range: ranges[column]
      ? { min: ranges[column][0], max: ranges[column][1], outside: 0, sampleRows: [] as number[] }
      : undefined,
    missing: 0,
    /** Distinct values (up to the cap) with the personal data each holds, so a repeated value is not scanned again. */
    distinct: new Map<string, { kind: string; count: number }[]>(),
    capped: false,
    numeric: 0,
    text: 0,
    min: Infinity,
    max: -Infinity,
    pii: new Map<string, { count: number; sampleRows: number[] }>(),
    /** observeRow(): short distinct values, their number (NaN for text) and personal data. */
    short: new Map<string, Known>(),
    /** The same for one-byte values, by their byte: no string made and no lookup by it. */
    byByte: [] as Known[],
  }));
  const seen = new RowHashes();
  let rows = 0;
  let duplicates = 0;
  let checked = 0;
  type Col = (typeof cols)[number];

  const numeric = (c: Col, n: number, row: number) => {
    c.numeric++;
    if (n < c.min) c.min = n;
    if (n > c.max) c.max = n;
    if (c.range && (n < c.range.min || n > c.range.max)) {
      c.range.outside++;
      if (c.range.sampleRows.length < SAMPLE_ROWS) c.range.sampleRows.push(row);
    }
  };
  const pii = (c: Col, found: { kind: string; count: number }[], row: number) => {
    for (const f of found) {
      let e = c.pii.get(f.kind);
      if (!e) c.pii.set(f.kind, (e = { count: 0, sampleRows: [] }));
      e.count += f.count;
      if (e.sampleRows.length < SAMPLE_ROWS) e.sampleRows.push(row);
    }
  };
  const distinct = (c: Col, text: string, row: number) => {
    const known = c.distinct.get(text);
    const found = known ?? scan(text);
    if (!known && !c.capped) {
      c.distinct.set(text, found);
      if (c.distinct.size > DISTINCT_CAP) c.capped = true;
    }
    pii(c, found, row);
    return found;
  };

  return {
    /** Observes one record (row numbers are 1-based, header excluded). */
    observe(record: Record<string, unknown>, row: number): void {
      rows++;
      if (seen.size < DUPLICATE_CAP) {
        checked++;
        seen.start();
        for (const c of columns) {
          const v = record[c];
          seen.feed(v === undefined || v === null ? '\u0000' : typeof v === 'string' ? v : JSON.stringify(v));
        }
        if (seen.seen()) duplicates++;
      }
      for (const c of cols) {
        const v = record[c.column];
        const isText = typeof v === 'string';
        if (v === undefined || v === null || (isText && v.trim() === '')) {
          c.missing++;
          continue;
        }
        const text = isText ? v : String(v);
        const n = typeof v === 'number' ? v : Number(text);
        // A string here is not blank (it would be missing); String() of other values may be.
        if (Number.isFinite(n) && (isText || text.trim() !== '')) numeric(c, n, row);
        else c.text++;
        // Past the cap the distinct values only save repeated scans, which a plain decimal never needs.
        if (c.capped && noPersonalDataIn(text)) continue;
        distinct(c, text, row);
      }
    },

    /**
     * Observes one row as the CSV reader holds it, exactly as observe() of its record: `at[k]` is
     * the field holding column k. Plain decimals and short labels are read from the bytes.
     */
    observeRow(cells: RowCells, row: number, at: ArrayLike<number>): void {
      rows++;
      const { bytes, start, end, text } = cells;
      if (seen.size < DUPLICATE_CAP) {
        checked++;
        seen.start();
        for (let k = 0; k < cols.length; k++) {
          const i = at[k]!;
          if (text[i] !== undefined || !seen.feedAscii(bytes, start[i]!, end[i]!)) seen.feed(cells.string(i));
        }
        if (seen.seen()) duplicates++;
      }
      for (let k = 0; k < cols.length; k++) {
        const c = cols[k]!;
        const i = at[k]!;
        const t = text[i];
        if (t === undefined) {
          const s = start[i]!;
          const e = end[i]!;
          // A field held as bytes is trimmed and ends in a byte that is not whitespace: blank only when empty.
          if (s === e) {
            c.missing++;
            continue;
          }
          if (e - s <= SHORT) {
            // A short field (a label, a code) is one of few: its number, or NaN for text, is known.
            let known = e - s === 1 ? c.byByte[bytes[s]!] : undefined;
            if (known === undefined) {
              const v = cells.string(i);
              known = c.short.get(v);
              if (known === undefined) {
                let n = cells.decimal(i);
                if (Number.isNaN(n)) n = Number(v);
                if (Number.isFinite(n)) numeric(c, n, row);
                else c.text++;
                if (c.capped && noPersonalDataIn(v)) continue;
                const found = distinct(c, v, row);
                // Known from now on only once among the distinct values (the same scan result).
                if (c.short.size < SHORT_VALUES && c.distinct.has(v))
                  c.short.set(v, { n: Number.isFinite(n) ? n : NaN, found });
                continue;
              }
              if (e - s === 1) c.byByte[bytes[s]!] = known;
            }
            if (Number.isNaN(known.n)) c.text++;
            else numeric(c, known.n, row);
            if (known.found.length > 0) pii(c, known.found, row);
            continue;
          }
          const n = cells.decimal(i);
          if (!Number.isNaN(n)) {
            numeric(c, n, row);
            if (c.capped && noPersonalDataInDecimal(bytes, s, e)) continue;
            distinct(c, cells.string(i), row);
            continue;
          }
        }
        const v = t ?? cells.string(i);
        if (v.trim() === '') {
          c.missing++;
          continue;
        }
        if (Number.isFinite(Number(v))) numeric(c, Number(v), row);
        else c.text++;
        if (c.capped && noPersonalDataIn(v)) continue;
        distinct(c, v, row);
      }
    },

    report(): DataProfile {
      const cells = rows * cols.length;
      return {
        rows,
        duplicateRows: duplicates,
        duplicatesCheckedRows: checked,
        missingRate: cells === 0 ? 0 : cols.reduce((s, c) => s + c.missing, 0) / cells,
        columns: cols.map((c) => {
          const type = c.numeric === 0 && c.text === 0 ? 'empty' : c.numeric >= c.text ? 'numeric' : 'text';
          return {
            column: c.column,
            missing: c.missing,
            distinct: c.distinct.size,
            distinctCapped: c.capped,
            constant: !c.capped && c.distinct.size === 1 && c.missing === 0,
            type,
            typeMismatches: type === 'numeric' ? c.text : type === 'text' ? c.numeric : 0,
            ...(c.numeric > 0 ? { min: c.min, max: c.max } : {}),
            ...(c.range ? { range: c.range } : {}),
            personalData: [...c.pii.entries()]
              .map(([kind, e]) => ({ kind, ...e }))
              .sort((a, b) => a.kind.localeCompare(b.kind)),
          };
        }),
      };
    },
  };
}
