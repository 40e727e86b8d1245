import { createHash } from 'node:crypto';

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

/** Each detector finds candidate substrings and confirms them (checksums where the format has one). */
export const PII_DETECTORS: { kind: string; pattern: RegExp; confirm?: (match: string) => boolean }[] = [
  { kind: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  { kind: 'iban', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g, confirm: (m) => ibanValid(m.replace(/ /g, '')) },
  // Not inside a decimal number: the digits after a float's point (0.2400000000000002) are not a card.
  { kind: 'payment-card', pattern: /(?<![\d.])\d(?:[ -]?\d){12,18}(?!\d|\.\d)/g, confirm: (m) => luhn(m.replace(/[ -]/g, '')) },
  { kind: 'us-ssn', pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  { kind: 'uk-nino', pattern: /\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIQUVO])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g },
  { kind: 'ipv4', pattern: /\b(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\b/g },
  { kind: 'ipv6', pattern: /\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b|\b(?:[0-9a-fA-F]{1,4}:){1,7}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6})?\b/g },
  { kind: 'phone', pattern: /(?:\+|\b00)[1-9]\d{0,2}[ .-]?(?:\(?\d{1,4}\)?[ .-]?){2,5}\d{2,4}\b/g, confirm: (m) => m.replace(/\D/g, '').length >= 8 },
];

const DISTINCT_CAP = 10_000;
const DUPLICATE_CAP = 1_000_000;
const SAMPLE_ROWS = 5;

export function createProfiler(columns: string[]) {
  const cols = columns.map((column) => ({
    column,
    missing: 0,
    distinct: new Set<string>(),
    capped: false,
    numeric: 0,
    text: 0,
    min: Infinity,
    max: -Infinity,
    pii: new Map<string, { count: number; sampleRows: number[] }>(),
  }));
  const seen = new Set<string>();
  let rows = 0;
  let duplicates = 0;
  let checked = 0;

  return {
    /** Observes one record (row numbers are 1-based, header excluded). */
    observe(record: Record<string, unknown>, row: number): void {
      rows++;
      if (seen.size < DUPLICATE_CAP) {
        checked++;
        const key = createHash('sha1').update(JSON.stringify(columns.map((c) => record[c] ?? null))).digest('base64');
        if (seen.has(key)) duplicates++;
        else seen.add(key);
      }
      for (const c of cols) {
        const v = record[c.column];
        if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
          c.missing++;
          continue;
        }
        const text = String(v);
        if (!c.capped) {
          c.distinct.add(text);
          if (c.distinct.size > DISTINCT_CAP) c.capped = true;
        }
        const n = typeof v === 'number' ? v : Number(text.trim());
        if (Number.isFinite(n) && text.trim() !== '') {
          c.numeric++;
          if (n < c.min) c.min = n;
          if (n > c.max) c.max = n;
        } else {
          c.text++;
        }
        // Numbers are scanned too: card and phone numbers often arrive as numeric columns. A span
        // claimed by an earlier (more specific, checksummed) detector is not claimed again, so the
        // digits of an IBAN are not also a phone number.
        const claimed: [number, number][] = [];
        for (const d of PII_DETECTORS) {
          d.pattern.lastIndex = 0;
          const hits = [...text.matchAll(d.pattern)].filter((m) => {
            const from = m.index!;
            const to = from + m[0].length;
            return (!d.confirm || d.confirm(m[0])) && !claimed.some(([a, b]) => from < b && a < to);
          });
          if (hits.length === 0) continue;
          for (const m of hits) claimed.push([m.index!, m.index! + m[0].length]);
          const e = c.pii.get(d.kind) ?? { count: 0, sampleRows: [] };
          e.count += hits.length;
          if (e.sampleRows.length < SAMPLE_ROWS) e.sampleRows.push(row);
          c.pii.set(d.kind, e);
        }
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
            personalData: [...c.pii.entries()].map(([kind, e]) => ({ kind, ...e })).sort((a, b) => a.kind.localeCompare(b.kind)),
          };
        }),
      };
    },
  };
}
