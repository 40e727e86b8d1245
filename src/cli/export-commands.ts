import { createWriteStream, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createPublicKey } from 'node:crypto';
import type { Command } from 'commander';
import { unzipSync } from 'fflate';
import { parseVerifierKey, rawPublicKey } from '../domain/checkpoint.ts';
import { verifyPack, type PackManifest } from '../domain/examination.ts';
import { createClient, UsageError } from './client.ts';

/** Writes bytes to `--out` (never over an existing file) or to stdout. */
function output(bytes: Buffer, out: string | undefined): void {
  if (!out) {
    process.stdout.write(bytes);
    return;
  }
  try {
    writeFileSync(out, bytes, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${out} already exists`);
    throw err;
  }
  process.stderr.write(`wrote ${bytes.length} bytes to ${out}\n`);
}

const FORMATS = ['md', 'html', 'pdf'];
const enc = encodeURIComponent;

function format(f: string | undefined, allowed: string[], fallback: string): string {
  const v = f ?? fallback;
  if (!allowed.includes(v)) throw new UsageError(`--format must be one of ${allowed.join(', ')}`);
  return v;
}

const versionNumber = (v: string) => {
  if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`version '${v}' is not a positive whole number`);
  return v;
};

export function exportCommands(program: Command): void {
  const ex = program.command('export').description('documents generated from the record: model cards, reports, BOMs');
  for (const [doc, what] of [
    ['model-card', 'the model card of a version'],
    ['validation-report', 'the validation report of a version'],
  ] as const)
    ex.command(`${doc} <model> <version>`)
      .description(`${what} (Markdown, HTML or PDF), generated from the record`)
      .option('--format <format>', 'md, html or pdf', 'md')
      .option('--out <file>', 'file to create (default: stdout)')
      .option('--store', 'also store it as evidence of the version')
      .action(async (model: string, version: string, o: { format?: string; out?: string; store?: boolean }) => {
        const f = format(o.format, FORMATS, 'md');
        const q = `format=${f}${o.store ? '&store=true' : ''}`;
        output(
          await createClient().download(
            'GET',
            `/api/v1/models/${enc(model)}/versions/${versionNumber(version)}/exports/${doc}?${q}`,
          ),
          o.out,
        );
      });
  ex.command('annex-iv <use-case>')
    .description('the EU AI Act Annex IV technical documentation of a use case (id or name)')
    .option('--format <format>', 'md, html or pdf', 'md')
    .option('--out <file>', 'file to create (default: stdout)')
    .option('--store', 'also store it as a document of the use case')
    .action(async (useCase: string, o: { format?: string; out?: string; store?: boolean }) => {
      const f = format(o.format, FORMATS, 'md');
      output(
        await createClient().download(
          'GET',
          `/api/v1/use-cases/${enc(useCase)}/exports/annex-iv?format=${f}${o.store ? '&store=true' : ''}`,
        ),
        o.out,
      );
    });
  ex.command('bom <model> <version>')
    .description("the version's CycloneDX 1.6 ML-BOM (JSON)")
    .option('--out <file>', 'file to create (default: stdout)')
    .action(async (model: string, version: string, o: { out?: string }) => {
      output(
        await createClient().download(
          'GET',
          `/api/v1/models/${enc(model)}/versions/${versionNumber(version)}/exports/bom`,
        ),
        o.out,
      );
    });
  ex.command('inventory')
    .description('the model inventory, one row per use case, model and version')
    .option('--format <format>', 'csv or xlsx', 'csv')
    .option('--team <team>', 'owner team')
    .option('--tier <tier>', 'risk tier (1-4)')
    .option('--eu-ai-act <category>', 'EU AI Act category')
    .option('--step <step>', 'lifecycle step')
    .option('--q <text>', 'text in the use case or model name')
    .option('--out <file>', 'file to create (default: stdout)')
    .action(
      async (o: {
        format?: string;
        team?: string;
        tier?: string;
        euAiAct?: string;
        step?: string;
        q?: string;
        out?: string;
      }) => {
        const f = format(o.format, ['csv', 'xlsx'], 'csv');
        if (f === 'xlsx' && !o.out) throw new UsageError('--format xlsx needs --out <file>');
        const q = new URLSearchParams({ format: f });
        for (const k of ['team', 'tier', 'euAiAct', 'step', 'q'] as const) if (o[k]) q.set(k, o[k]!);
        output(await createClient().download('GET', `/api/v1/exports/inventory?${q}`), o.out);
      },
    );

  const exam = program.command('examination').description('examination packs: the state as of a date, signed');
  exam
    .command('create')
    .description('build a signed examination pack (ZIP) of the state as of a date')
    .requiredOption('--as-of <date-time>', 'the moment whose state the pack shows (ISO 8601)')
    .option('--scope <scope>', 'organisation, team:<name> or use-case:<id or name>', 'organisation')
    .requiredOption('--out <file>', 'file to create (must not exist)')
    .action(async (o: { asOf: string; scope: string; out: string }) => {
      if (existsSync(o.out)) throw new UsageError(`${o.out} already exists`);
      const asOf = new Date(o.asOf);
      if (Number.isNaN(asOf.getTime())) throw new UsageError(`--as-of '${o.asOf}' is not a date-time`);
      const res = await createClient().steward.downloadStream('POST', '/api/v1/examinations', {
        asOf: asOf.toISOString(),
        scope: o.scope,
      });
      if (!res.body) throw new Error('the server sent no pack');
      // Streamed to the file as it arrives: a pack may be far larger than memory should hold.
      let bytes = 0;
      const counted = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      counted.on('data', (c: Buffer) => (bytes += c.length));
      try {
        await pipeline(counted, createWriteStream(o.out, { flags: 'wx' }));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${o.out} already exists`);
        rmSync(o.out, { force: true });
        throw err;
      }
      process.stderr.write(`wrote ${bytes} bytes to ${o.out}\n`);
    });
  exam
    .command('verify <file>')
    .description(
      'verify a pack offline: signatures, file digests, inclusion in the signed checkpoint (exit 0 intact, 1 not)',
    )
    .option('--public-key <key>', 'trusted key: verifier key string, or a file with one or with a PEM public key')
    .action(async (file: string, o: { publicKey?: string }) => {
      let files: Record<string, Uint8Array>;
      try {
        files = unzipSync(new Uint8Array(readFileSync(file)));
      } catch (err) {
        throw new UsageError(`${file}: not a readable ZIP (${(err as Error).message})`);
      }
      let manifest: Partial<PackManifest> = {};
      try {
        manifest = JSON.parse(Buffer.from(files['manifest.json'] ?? []).toString('utf8')) as PackManifest;
      } catch {
        // verifyPack names the problem
      }
      const key = o.publicKey
        ? pinned(o.publicKey, manifest.origin)
        : { ...parseVerifierKey(String(manifest.verifierKey ?? '')), origin: String(manifest.origin) };
      if (!o.publicKey)
        process.stderr.write(
          `note: trusting the key named in the pack itself (${manifest.verifierKey}); pin the key you obtained from Steward with --public-key\n`,
        );
      const report = verifyPack(files, {
        origin: key.origin,
        keyName: 'keyName' in key ? key.keyName : key.name,
        publicKey: key.publicKey,
      });
      if (report.ok) {
        process.stdout.write(
          `examination pack intact: state as of ${report.asOf}, ${report.events} events under the signed checkpoint of size ${report.treeSize}\n`,
        );
        process.exitCode = 0;
        return;
      }
      process.stdout.write('examination pack FAILED verification\n');
      for (const p of report.problems) process.stdout.write(`  ${p}\n`);
      process.exitCode = 1;
    });
}

/** `--public-key`: a verifier key string, or a file with one or with a PEM public key. */
function pinned(spec: string, origin: string | undefined) {
  const text = existsSync(spec) ? readFileSync(spec, 'utf8').trim() : spec.trim();
  if (text.startsWith('-----BEGIN')) {
    const publicKey = rawPublicKey(createPublicKey(text));
    if (!origin) throw new UsageError('the pack names no origin; pin a verifier key string instead of a PEM key');
    return { origin, keyName: origin, publicKey };
  }
  try {
    const { name, publicKey } = parseVerifierKey(text);
    return { origin: name, keyName: name, publicKey };
  } catch (err) {
    throw new UsageError(`--public-key: ${(err as Error).message}`);
  }
}
