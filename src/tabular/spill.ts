// Evaluation columns kept in files rather than memory, for evaluations over more rows than a memory
// budget holds: written as the rows stream in, read back a chunk at a time, and the
// scores sorted outside memory for the ROC. The files live in one temporary directory per
// evaluation, removed by releaseEvaluationData().
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateBinaryRows, type ChunkedRows, type RowChunk } from '../domain/metrics/binary-rows.ts';
import { evaluateRegressionRows } from '../domain/metrics/regression-rows.ts';
import { evaluateMulticlassRows } from '../domain/metrics/multiclass-rows.ts';
import { radixArgsort } from '../domain/metrics/classification.ts';
import type { EvaluationData, EvaluationSpec, SpilledRows } from '../domain/metrics/evaluate.ts';
import { medianOfSorted, rankSortedBlocks, type SortedBlock } from '../domain/metrics/ranked-blocks.ts';
import { processRunning } from '../lib/process.ts';

/** Bytes an evaluation may take in memory (columns and working arrays) before it moves its columns to files. */
export const SPILL_AFTER_BYTES = 128 * 1024 * 1024;
/** Rows read back at a time. */
const CHUNK = 65_536;
/** Scores sorted in memory at once (about 50 bytes each while sorting, weights included). */
export const SORT_ROWS = 1 << 20;
/** Bytes of class probabilities read back at a time, at most (unless there are over 8,192 classes). */
const CLASS_SCORE_BYTES = 16 * 1024 * 1024;
/** Bytes a file writer gathers before it writes. */
const WRITE_BUFFER = 32 * 1024;

// Spill directories of this process not yet removed: removed when it exits, however it comes to
// exit (the CLI turns an interrupt into an exit), short of being killed outright.
const live = new Set<string>();
let exitHook = false;

const PREFIX = 'steward-eval-';
// A directory's name says which process made it (`steward-eval-<host>-<pid>-XXXXXX`), so that a
// later process can remove those of one that was killed outright and never ran its exit hook.
// The host tells apart processes of other machines or containers sharing TMPDIR, whose process
// ids mean nothing here; '-' is the separator, so it is replaced in the host's name.
const hostTag = () => hostname().replace(/[^A-Za-z0-9.]/g, '_');
let swept = false;

/** A new temporary directory for one evaluation's files (under TMPDIR). */
export function spillDirectory(): string {
  if (!swept) {
    swept = true;
    sweepOrphanedSpills(tmpdir());
  }
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${hostTag()}-${process.pid}-`));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const d of live) removeDirectory(d);
    });
  }
  live.add(dir);
  return dir;
}

/**
 * Removes the spill directories under `root` that processes of this host made and that no longer
 * run (killed outright: SIGKILL, the out-of-memory killer, a power cut); returns their names.
 * Runs once per process, at its first spill. A directory whose process id is in use again, by
 * whatever process, is left.
 */
export function sweepOrphanedSpills(root: string): string[] {
  const mine = `${PREFIX}${hostTag()}-`;
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const end = name.indexOf('-', mine.length);
    if (!name.startsWith(mine) || end < 0) continue;
    const pid = Number(name.slice(mine.length, end));
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || processRunning(pid)) continue;
    removeDirectory(join(root, name));
    removed.push(name);
  }
  return removed;
}

/** Removes the files of data that was spilled; nothing for data held in memory. */
export function releaseEvaluationData(data: EvaluationData | undefined): void {
  if (data?.spilled) removeDirectory(data.spilled.dir);
}

/**
 * Removes a spill directory. It runs in `finally` blocks, so it never throws over the error that
 * brought it there: a directory still being written (a worker thread stopped mid-sort) is tried
 * again a few times, and one that cannot be removed is left.
 */
export function removeDirectory(dir: string): void {
  live.delete(dir);
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // Left in TMPDIR: nothing better to do from a cleanup path.
  }
}

/**
 * A file written from its start with typed arrays' bytes, in buffered writes. The buffer is taken
 * at the first write smaller than it: a column written in larger pieces never holds one.
 */
export class FileWriter {
  private readonly fd: number;
  private open = true;
  private buffer: Uint8Array | undefined;
  private at = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(view: ArrayBufferView): void {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    if (this.at + bytes.length > WRITE_BUFFER) this.flush();
    if (bytes.length >= WRITE_BUFFER) writeAll(this.fd, bytes);
    else {
      this.buffer ??= new Uint8Array(WRITE_BUFFER);
      this.buffer.set(bytes, this.at);
      this.at += bytes.length;
    }
  }

  private flush(): void {
    if (this.at > 0) writeAll(this.fd, this.buffer!.subarray(0, this.at));
    this.at = 0;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      this.open = false;
      closeSync(this.fd);
    }
  }

  /** Closes the file, if still open, without writing what is gathered (its data is being thrown away); never throws. */
  discard(): void {
    if (!this.open) return;
    this.open = false;
    try {
      closeSync(this.fd);
    } catch {
      // Nothing more to do.
    }
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Fills `into` from `fd` at byte `position`. */
export function readAll(fd: number, into: ArrayBufferView, position: number): void {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
  for (let done = 0; done < bytes.length;) {
    const n = readSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) throw new Error(`a spilled column ended early (${position + done} bytes)`);
    done += n;
  }
}

/** Scores with their labels and weights, as files of the same rows in the same order. */
interface ScoreFiles {
  rows: number;
  score: string;
  /** Absent where only the values' order matters (a median): every label reads 0. */
  label?: string | undefined;
  /** The labels are 32-bit class codes (multiclass), not bytes. */
  codes?: boolean | undefined;
  weight?: string | undefined;
}

/** How wide a label is in a file of scores: none, a byte (1 positive), or a 32-bit class code. */
type LabelWidth = 0 | 1 | 4;

const widthOf = (files: ScoreFiles): LabelWidth => (files.label === undefined ? 0 : files.codes ? 4 : 1);
const labels = (width: LabelWidth, n: number) => (width === 4 ? new Uint32Array(n) : new Uint8Array(n));

/** Reads `files` from row `from` a block at a time, ascending, or with `down` from the last block to the first. */
function* blocksOf(files: ScoreFiles, down = false, size = CHUNK): Generator<SortedBlock> {
  const score = openSync(files.score, 'r');
  const label = files.label ? openSync(files.label, 'r') : undefined;
  const weight = files.weight ? openSync(files.weight, 'r') : undefined;
  try {
    const width = widthOf(files);
    const block = {
      length: 0,
      score: new Float64Array(size),
      label: labels(width, size),
      weight: weight === undefined ? undefined : new Float64Array(size),
    };
    const starts = Math.ceil(files.rows / size);
    for (let b = 0; b < starts; b++) {
      const from = (down ? starts - 1 - b : b) * size;
      const n = Math.min(size, files.rows - from);
      block.length = n;
      readAll(score, block.score.subarray(0, n), from * 8);
      if (label !== undefined) readAll(label, block.label.subarray(0, n), from * width);
      if (weight !== undefined) readAll(weight, block.weight!.subarray(0, n), from * 8);
      yield block;
    }
  } finally {
    closeSync(score);
    if (label !== undefined) closeSync(label);
    if (weight !== undefined) closeSync(weight);
  }
}

/** A double's 16-bit digit `level` (0 the most significant) of the key that orders doubles as numbers (-0 as +0). */
function digitOf(view: DataView, v: number, level: number): number {
  view.setFloat64(0, v + 0);
  const word = view.getUint32(level < 2 ? 0 : 4);
  const negative = view.getUint32(0) >>> 31 === 1;
  const key = negative ? ~word >>> 0 : level < 2 ? (word | 0x80000000) >>> 0 : word;
  return level % 2 === 0 ? key >>> 16 : key & 0xffff;
}

/** Where scores go, sorted or partitioned: three files written in order, a row or a block at a time. */
class ScoreOut {
  private readonly score: FileWriter;
  private readonly label: FileWriter | undefined;
  private readonly weight: FileWriter | undefined;
  // Rows pushed one at a time gather here first (a call a row into a file writer would dominate).
  private readonly block: { score: Float64Array; label: Uint8Array | Uint32Array; weight: Float64Array };
  private at = 0;
  rows = 0;

  constructor(
    dir: string,
    name: string,
    weighted: boolean,
    private readonly width: LabelWidth,
    gather = 4096,
  ) {
    this.score = new FileWriter(join(dir, `${name}.score`));
    this.label = width > 0 ? new FileWriter(join(dir, `${name}.label`)) : undefined;
    this.weight = weighted ? new FileWriter(join(dir, `${name}.weight`)) : undefined;
    this.block = { score: new Float64Array(gather), label: labels(width, gather), weight: new Float64Array(gather) };
  }

  push(score: number, label: number, weight: number): void {
    const b = this.block;
    b.score[this.at] = score;
    b.label[this.at] = label;
    b.weight[this.at] = weight;
    if (++this.at === b.score.length) this.flush();
  }

  private flush(): void {
    if (this.at > 0) this.append({ length: this.at, ...this.block }, true);
    this.at = 0;
  }

  append(block: SortedBlock, pushed = false): void {
    if (!pushed) this.flush();
    const n = block.length;
    this.score.write(block.score.subarray(0, n));
    this.label?.write(block.label.subarray(0, n));
    if (this.weight) this.weight.write(block.weight!.subarray(0, n));
    this.rows += n;
  }

  /** Closes the files without writing what is gathered; never throws. */
  discard(): void {
    this.score.discard();
    this.label?.discard();
    this.weight?.discard();
  }

  close(): ScoreFiles {
    try {
      this.flush();
    } catch (err) {
      this.discard();
      throw err;
    }
    this.score.close();
    this.label?.close();
    this.weight?.close();
    return {
      rows: this.rows,
      score: this.score.path,
      label: this.label?.path,
      codes: this.width === 4,
      weight: this.weight?.path,
    };
  }
}

/** Most range files one partition writes at once (each holds about 170 kB of buffers and three descriptors). */
const FAN_OUT = 64;

/**
 * Sorts the scores of `files` ascending into `out`, rows with equal scores (-0 and +0 alike) in
 * their order in `files`, holding at most about `sortRows` of them in memory: an MSD radix
 * partition into at most FAN_OUT range files by 16 bits of the key (`level` 0 the highest; all
 * rows share the bits above it, and their digit there lies in [from, to]). A range that fits is
 * sorted in memory (stably); one of several digits is partitioned again on the same bits, one of
 * a single digit on the next 16; a range of a single key is copied as it is.
 */
function sortInto(
  files: ScoreFiles,
  out: ScoreOut,
  dir: string,
  sortRows: number,
  level: number,
  from = 0,
  to = 65_535,
): void {
  if (files.rows <= sortRows) return sortInMemory(files, out);
  if (level === 4) {
    for (const block of blocksOf(files)) out.append(block);
    return;
  }
  const view = new DataView(new ArrayBuffer(8));
  const counts = new Float64Array(65_536);
  for (const block of blocksOf(files))
    for (let i = 0; i < block.length; i++) counts[digitOf(view, block.score[i]!, level)]!++;
  // Consecutive digits grouped into ranges (a heavier digit is a range alone) of at most `target`
  // rows unless one digit is more: any two neighbouring ranges hold more than `target` together,
  // so there are at most 2 rows / target + 1 <= FAN_OUT of them.
  const target = Math.max(sortRows, Math.ceil((2 * files.rows) / (FAN_OUT - 1)));
  const rangeOf = new Int32Array(65_536).fill(-1);
  const ranges: { size: number; from: number; to: number }[] = [];
  for (let d = from; d <= to; d++) {
    const c = counts[d]!;
    if (c === 0) continue;
    const last = ranges.at(-1);
    if (!last || last.size + c > target) ranges.push({ size: c, from: d, to: d });
    else {
      last.size += c;
      last.to = d;
    }
    rangeOf[d] = ranges.length - 1;
  }
  const weighted = files.weight !== undefined;
  const name = files.score.replace(/^.*[/\\]/, '').replace(/\.score$/, '');
  const parts: ScoreOut[] = [];
  let closed: ScoreFiles[];
  try {
    ranges.forEach((_, r) => parts.push(new ScoreOut(dir, `${name}-${level}.${from}-${r}`, weighted, widthOf(files))));
    for (const block of blocksOf(files)) {
      const { score, label, weight } = block;
      for (let i = 0; i < block.length; i++)
        parts[rangeOf[digitOf(view, score[i]!, level)]!]!.push(score[i]!, label[i]!, weight ? weight[i]! : 1);
    }
    closed = parts.map((p) => p.close());
  } catch (err) {
    // A failed open, read or write (a full disk, say) leaves no file open behind it.
    for (const p of parts) p.discard();
    throw err;
  }
  closed.forEach((part, r) => {
    const range = ranges[r]!;
    if (range.from === range.to) sortInto(part, out, dir, sortRows, level + 1);
    else sortInto(part, out, dir, sortRows, level, range.from, range.to);
    removeFiles(part);
  });
}

function removeFiles(files: ScoreFiles): void {
  for (const path of [files.score, files.label, files.weight]) if (path) rmSync(path, { force: true });
}

/** Sorts rows that fit in memory: a stable radix argsort of the scores, written in that order. */
function sortInMemory(files: ScoreFiles, out: ScoreOut): void {
  const n = files.rows;
  const [all] = [...blocksOf(files, false, Math.max(1, n))];
  if (!all) return;
  const idx = radixArgsort(all.score.subarray(0, n));
  const block = {
    length: 0,
    score: new Float64Array(Math.min(n, CHUNK)),
    label: labels(widthOf(files), Math.min(n, CHUNK)),
    weight: all.weight ? new Float64Array(Math.min(n, CHUNK)) : undefined,
  };
  for (let from = 0; from < n; from += CHUNK) {
    const m = Math.min(CHUNK, n - from);
    for (let k = 0; k < m; k++) {
      const i = idx[from + k]!;
      block.score[k] = all.score[i]!;
      block.label[k] = all.label[i]!;
      if (block.weight) block.weight[k] = all.weight![i]!;
    }
    out.append({ ...block, length: m });
  }
}

/** The typed array a spilled label or prediction is read into: a byte, a class code or a double. */
export const labelArray = (
  spilled: SpilledRows,
): { new (n: number): Uint8Array | Uint32Array | Float64Array; BYTES_PER_ELEMENT: number } =>
  spilled.labels === 'byte' ? Uint8Array : spilled.labels === 'code' ? Uint32Array : Float64Array;

/** The rows of spilled data, read back a chunk at a time. */
function spilledRows(spilled: SpilledRows): ChunkedRows {
  return {
    rows: spilled.rows,
    values: spilled.values,
    classScores: spilled.classScores,
    *chunks(): Generator<RowChunk> {
      const { columns } = spilled;
      // Every descriptor opened is closed, however far the opening got.
      const opened: number[] = [];
      const open = (path: string) => {
        const fd = openSync(path, 'r');
        opened.push(fd);
        return fd;
      };
      try {
        const fds = {
          yTrue: open(columns.yTrue),
          yPred: open(columns.yPred),
          score: columns.score ? open(columns.score) : undefined,
          weight: columns.weight ? open(columns.weight) : undefined,
          codes: columns.codes.map(open),
          classScores: (columns.classScores ?? []).map(open),
        };
        // Many class probability columns read fewer rows at a time: about 16 MiB of them at most.
        const size = Math.max(256, Math.min(CHUNK, Math.floor(CLASS_SCORE_BYTES / (8 * fds.classScores.length))));
        const Label = labelArray(spilled);
        const width = Label.BYTES_PER_ELEMENT;
        const chunk: RowChunk = {
          length: 0,
          yTrue: new Label(size),
          yPred: new Label(size),
          score: fds.score === undefined ? undefined : new Float64Array(size),
          weight: fds.weight === undefined ? undefined : new Float64Array(size),
          codes: fds.codes.map(() => new Uint32Array(size)),
          classScores: columns.classScores && fds.classScores.map(() => new Float64Array(size)),
        };
        for (let from = 0; from < spilled.rows; from += size) {
          const n = Math.min(size, spilled.rows - from);
          chunk.length = n;
          readAll(fds.yTrue, chunk.yTrue.subarray(0, n), from * width);
          readAll(fds.yPred, chunk.yPred.subarray(0, n), from * width);
          if (fds.score !== undefined) readAll(fds.score, chunk.score!.subarray(0, n), from * 8);
          if (fds.weight !== undefined) readAll(fds.weight, chunk.weight!.subarray(0, n), from * 8);
          fds.codes.forEach((fd, c) => readAll(fd, chunk.codes[c]!.subarray(0, n), from * 4));
          fds.classScores.forEach((fd, k) => readAll(fd, chunk.classScores![k]!.subarray(0, n), from * 8));
          yield chunk;
        }
      } finally {
        for (const fd of opened) closeSync(fd);
      }
    },
  };
}

/** Sorts `files` by score into a file of their own (removed after `use`), and hands `use` its blocks up and down. */
function withSorted<T>(
  files: ScoreFiles,
  dir: string,
  sortRows: number,
  use: (up: () => Iterable<SortedBlock>, down: () => Iterable<SortedBlock>) => T,
): T {
  const out = new ScoreOut(dir, 'sorted', files.weight !== undefined, widthOf(files), CHUNK);
  try {
    sortInto(files, out, dir, sortRows, 0);
  } catch (err) {
    out.discard();
    throw err;
  }
  const sorted = out.close();
  try {
    return use(
      () => blocksOf(sorted),
      () => blocksOf(sorted, true),
    );
  } finally {
    removeFiles(sorted);
  }
}

/**
 * Evaluates spilled rows (any task; a model's predictions already written, see spill-model.ts): the same result as `evaluate`
 * over the same rows in memory.
 */
export function evaluateSpilled(spec: EvaluationSpec, spilled: SpilledRows) {
  const { columns, dir, rows, sortRows } = spilled;
  if (spec.task === 'multiclass-classification')
    // Each class's probabilities sorted outside memory, with the rows' true class codes.
    return evaluateMulticlassRows(spec, spilledRows(spilled), spilled.classes!, (k, use) =>
      withSorted(
        { rows, score: columns.classScores![k]!, label: columns.yTrue, codes: true, weight: columns.weight },
        dir,
        sortRows,
        (up) => use(up()),
      ),
    );
  if (spec.task === 'regression')
    // The median prediction, from the predictions sorted outside memory.
    return evaluateRegressionRows(spec, spilledRows(spilled), () =>
      withSorted({ rows, score: columns.yPred }, dir, sortRows, (up) => medianOfSorted(rows, up())),
    );
  const score = columns.score;
  return evaluateBinaryRows(
    spec,
    spilledRows(spilled),
    score === undefined
      ? undefined
      : () =>
          withSorted({ rows, score, label: columns.yTrue, weight: columns.weight }, dir, sortRows, (up, down) =>
            rankSortedBlocks(rows, up, down),
          ),
  );
}
