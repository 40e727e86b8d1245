// `npm run vectors -- FILE`: runs a golden-vector file through Steward's own implementations and
// prints `N passed, M failed` with each difference; exit 1 on any failure.
import { readFileSync } from 'node:fs';
import { runMerkleVectors, type VectorOutcome } from '../domain/merkle-vectors.ts';
import { runMetricsVectors } from '../domain/metrics/vectors.ts';

function main(argv: string[]): number {
  const file = argv[0];
  if (!file) {
    process.stderr.write('usage: npm run vectors -- FILE (a merkle.json-schema vector file)\n');
    return 2;
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    process.stderr.write(`cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }
  let outcomes: VectorOutcome[];
  if ('inclusion' in doc && 'consistency' in doc && 'hasher' in doc) outcomes = runMerkleVectors(doc);
  else if (Array.isArray(doc.cases) && 'conventions' in doc) outcomes = runMetricsVectors(doc);
  else {
    process.stderr.write(`${file}: unrecognised vector schema (supported: merkle, metrics)\n`);
    return 2;
  }
  const failed = outcomes.filter((o) => !o.ok);
  const skipped = outcomes.filter((o) => o.skipped);
  for (const f of failed) process.stdout.write(`FAIL ${f.name}:\n    ${f.detail}\n`);
  for (const s of skipped) process.stdout.write(`SKIP ${s.name}: ${s.detail}\n`);
  process.stdout.write(
    `${outcomes.length - failed.length - skipped.length} passed, ${failed.length} failed${skipped.length ? `, ${skipped.length} skipped` : ''}\n`,
  );
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
