/** One data row of a completions CSV, with its 1-based line number in the file. */
export interface CsvRow {
  line: number;
  username: string;
  training: string;
  completedOn: string;
}

export const CSV_HEADER = ['username', 'training', 'completedOn'];

/** Splits one CSV line into fields (RFC 4180 quoting: `"a,b"`, `""` inside quotes). */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') ((cur += '"'), i++);
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') (out.push(cur), (cur = ''));
    else cur += c;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

/**
 * The rows of a completions CSV (`username,training,completedOn`, an optional header line of those
 * names, blank lines skipped), and the lines that do not have three fields.
 */
export function parseCompletionsCsv(text: string): { rows: CsvRow[]; problems: { line: number; message: string }[] } {
  const rows: CsvRow[] = [];
  const problems: { line: number; message: string }[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const f = fields(raw);
    if (i === 0 && f.join(',').toLowerCase() === CSV_HEADER.join(',').toLowerCase()) return;
    if (f.length !== 3) {
      problems.push({ line: i + 1, message: `expected 3 fields (username,training,completedOn), found ${f.length}` });
      return;
    }
    rows.push({ line: i + 1, username: f[0]!, training: f[1]!, completedOn: f[2]! });
  });
  return { rows, problems };
}
