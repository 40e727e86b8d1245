// Records (or CSV rows) streamed out of CSV, JSON Lines or Parquet bytes, under a size limit, with
// the digest of the bytes read.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { parquetReadObjects } from 'hyparquet';
import { CsvSyntaxError, createCsvReader, createCsvRowReader, type CsvRow } from './csv.ts';
import { DomainError } from '../errors.ts';
import { findTooDeep, MAX_JSON_DEPTH, TOO_DEEP } from '../lib/depth.ts';

export type DataFormat = 'csv' | 'jsonl' | 'parquet';

/**
 * Records parsed between two turns of the event loop. A parse runs on the event loop (it follows
 * the bytes as they stream in), so a large upload is read in slices of this many records and other
 * requests, /healthz among them, are answered between the slices.
 */
const SLICE_RECORDS = 2048;

/** Parquet cells as the CSV/JSON Lines readers would see them: exact integers, ISO timestamps. */
function plainCell(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return v;
}

/** Takes CSV rows as the reader holds them: the header's names once, then each row. */
export interface CsvRowTaker {
  header(names: string[]): void;
  row(cells: CsvRow): void;
}

// Enough to tell text from binary without decoding a whole upload twice.
const TEXT_CHECK_BYTES = 64 * 1024;

const notText = (what: string, format: DataFormat) =>
  new DomainError(
    'validation_failed',
    `${what} is not ${format === 'csv' ? 'CSV' : 'JSON Lines'} text: it holds bytes that are not UTF-8 text (a binary file?)`,
    { errors: [{ pointer: '/data', message: 'not UTF-8 text' }] },
  );

// What each CSV error (by csv-parse's codes, which the API reports) means, in words that do not quote the offending bytes back.
const CSV_PROBLEMS: Record<string, string> = {
  INVALID_OPENING_QUOTE:
    'a quote appears inside an unquoted field; quote the whole field and double the quotes inside it ("M""x""")',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote is followed by something other than a delimiter or end of line',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a closing quote is followed by something other than a delimiter',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'the row does not have as many fields as the header',
  CSV_RECORD_INCONSISTENT_COLUMNS: 'the row does not have as many fields as the header',
  CSV_MAX_RECORD_SIZE: 'a row is too large',
  CSV_INVALID_COLUMN_MAPPING: 'the header row has an empty or duplicate column name',
  CSV_OPTION_COLUMNS_MISSING_NAME: 'the header row has an empty column name',
  CSV_INVALID_COLUMN_DEFINITION: 'the header row has an invalid column name',
};

/**
 * A CSV syntax error as a 400 naming the line (1 is the header) and the column, by name when the
 * header gives a short printable one, else by position; never the field's bytes.
 */
function csvProblem(err: CsvSyntaxError): DomainError {
  const e = err;
  const what = CSV_PROBLEMS[err.code] ?? `it cannot be read as CSV (${err.code})`;
  const line = typeof e.lines === 'number' && e.lines > 0 ? e.lines : undefined;
  const column =
    typeof e.column === 'string' && /^[\x20-\x7e]{1,64}$/.test(e.column)
      ? `column '${e.column}'`
      : typeof e.index === 'number'
        ? `column ${e.index + 1}`
        : undefined;
  const where = [line && `line ${line}${line > 1 ? ` (row ${line - 1})` : ' (the header)'}`, column]
    .filter(Boolean)
    .join(', ');
  return new DomainError('validation_failed', `the CSV is malformed${where ? ` at ${where}` : ''}: ${what}`, {
    errors: [{ pointer: line && line > 1 ? `/data/${line - 1}` : '/data', message: what }],
    extra: { csvError: err.code, ...(line ? { line } : {}), ...(column ? { column } : {}) },
  });
}

/**
 * Streams records out of CSV (header row), JSON Lines or Parquet bytes into `take`, one at a time
 * (awaited, so the caller can write batches as it goes), refusing more than `maxBytes`. With
 * `csvRows`, CSV rows go to it instead, as the reader holds them (no record objects). Returns
 * the SHA-256 of the bytes read and how many there were.
 */
export async function readRecords(
  input: Readable,
  format: DataFormat,
  opts: { maxBytes: number; what: string },
  take: (record: Record<string, unknown>) => void | Promise<void>,
  csvRows?: CsvRowTaker,
): Promise<{ digest: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  // Parquet keeps its schema in a footer, so the file is held whole (still bounded by maxBytes).
  const held: Buffer[] | undefined = format === 'parquet' ? [] : undefined;
  // Kept, not only sent through destroy(): a chunk that crosses the limit has already reached the
  // readers, which may then finish normally without ever seeing the error.
  let overflow: DomainError | undefined;
  // Text formats are UTF-8: the first bytes decide, before any parser can quote them back.
  const text = format === 'parquet' ? undefined : new TextDecoder('utf-8', { fatal: true });
  let checked = 0;
  let slice = 0;
  input.on('data', (chunk: Buffer) => {
    if (text && checked < TEXT_CHECK_BYTES && !overflow) {
      const head = chunk.subarray(0, TEXT_CHECK_BYTES - checked);
      checked += head.length;
      let binary: boolean;
      try {
        binary = text.decode(head, { stream: checked < TEXT_CHECK_BYTES }).includes('\u0000');
      } catch {
        binary = true;
      }
      if (binary) {
        overflow = notText(opts.what, format);
        input.destroy(overflow);
        return;
      }
    }
    hash.update(chunk);
    held?.push(chunk);
    bytes += chunk.length;
    if (bytes > opts.maxBytes && !overflow) {
      overflow = new DomainError('payload_too_large', `${opts.what} is larger than ${opts.maxBytes} bytes`);
      input.destroy(overflow);
    }
  });
  try {
    if (format === 'csv' && csvRows) {
      // As below, what taking a row throws is thrown only once the next chunk has been parsed
      // (or the end reached), so malformed CSV there is still reported first.
      let failure: { error: unknown } | undefined;
      let failedAt = 0;
      let chunks = 0;
      let taken = 0;
      // (No closure made per row: tsx names every function it creates, which shows at millions.)
      const failed = (error: unknown) => {
        failure = { error };
        failedAt = chunks;
      };
      const reader = createCsvRowReader({
        header(names) {
          try {
            csvRows.header(names);
          } catch (error) {
            failed(error);
          }
        },
        row(cells) {
          if (failure) return;
          taken++;
          try {
            csvRows.row(cells);
          } catch (error) {
            failed(error);
          }
        },
      });
      for await (const chunk of input) {
        if (overflow) break;
        chunks++;
        reader.push(chunk as Buffer);
        if (failure && chunks > failedAt) throw failure.error;
        // Other requests get the event loop between slices of a large file.
        if (taken >= SLICE_RECORDS) {
          taken = 0;
          await nextTurn();
        }
      }
      if (!overflow) {
        reader.end();
        if (failure) throw failure.error;
      }
    } else if (format === 'csv') {
      // Rows are taken one chunk behind the parser, as csv-parse's stream ran ahead of its reader:
      // malformed CSV in the next chunk (or, for a small file, anywhere) is reported before a bad
      // value in an earlier row, as it was.
      const batch: Record<string, string>[] = [];
      const reader = createCsvReader((record) => batch.push(record));
      const drain = async (n: number) => {
        for (let i = 0; i < n; i++) {
          // Awaited only when the taker is asynchronous: a microtask per row shows at millions of rows.
          const pending = take(batch[i]!);
          if (pending) await pending;
          // Other requests get the event loop between slices of a large file.
          if (++slice === SLICE_RECORDS) {
            slice = 0;
            await nextTurn();
          }
        }
        batch.splice(0, n);
      };
      for await (const chunk of input) {
        if (overflow) break;
        const earlier = batch.length;
        reader.push(chunk as Buffer);
        await drain(earlier);
      }
      if (!overflow) {
        reader.end();
        await drain(batch.length);
      }
    } else if (format === 'parquet') {
      await finished(input);
      if (overflow) throw overflow;
      const whole = Buffer.concat(held!);
      let records: Record<string, unknown>[];
      try {
        records = await parquetReadObjects({
          file: whole.buffer.slice(whole.byteOffset, whole.byteOffset + whole.byteLength) as ArrayBuffer,
        });
      } catch (err) {
        throw new DomainError('validation_failed', `the Parquet file is unreadable: ${(err as Error).message}`, {
          errors: [{ pointer: '/data', message: 'unreadable Parquet' }],
        });
      }
      for (const record of records) {
        for (const k of Object.keys(record)) record[k] = plainCell(record[k]);
        const pending = take(record);
        if (pending) await pending;
        if (++slice === SLICE_RECORDS) {
          slice = 0;
          await nextTurn();
        }
      }
    } else {
      let line = 0;
      for await (const text of createInterface({ input, crlfDelay: Infinity })) {
        line++;
        if (text.trim() === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(text);
        } catch {
          throw new DomainError('validation_failed', `line ${line} is not JSON`, {
            errors: [{ pointer: `/data/${line}`, message: 'not JSON' }],
          });
        }
        if (record === null || typeof record !== 'object' || Array.isArray(record))
          throw new DomainError('validation_failed', `line ${line} is not a JSON object`, {
            errors: [{ pointer: `/data/${line}`, message: 'not an object' }],
          });
        // Values are read as text and numbers (String() of a nested array recurses): bound them first.
        for (const v of Object.values(record))
          if (v !== null && typeof v === 'object' && findTooDeep(v, MAX_JSON_DEPTH - 1))
            throw new DomainError('validation_failed', `line ${line} ${TOO_DEEP}`, {
              errors: [{ pointer: `/data/${line}`, message: `nesting deeper than ${MAX_JSON_DEPTH} levels` }],
            });
        const pending = take(record as Record<string, unknown>);
        if (pending) await pending;
        if (++slice === SLICE_RECORDS) {
          slice = 0;
          await nextTurn();
        }
      }
    }
  } catch (err) {
    // The refusal of the bytes themselves comes first: rows read from them may have failed too.
    if (overflow) throw overflow;
    if (err instanceof DomainError) throw err;
    if (err instanceof CsvSyntaxError) throw csvProblem(err);
    throw err;
  }
  if (overflow) throw overflow;
  return { digest: `sha256:${hash.digest('hex')}`, bytes };
}
