import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { parseVerifierKey, rawPublicKey } from '../domain/checkpoint.ts';
import type { VerifyReport } from '../domain/audit-verify.ts';
import { exportAudit, verifyDatabase, verifyExportFile, type TrustedKey } from '../features/audit/audit-export.ts';
import { defaultOrigin, loadOrCreateSigner } from '../features/audit/signing-key.ts';
import { UsageError } from './client.ts';
import { progress } from './prompt.ts';

/** `--public-key`: a verifier key string (name+id+base64), or a file holding one or a PEM public key. */
function trustedKey(spec: string, origin: string | undefined): TrustedKey {
  const text = existsSync(spec) ? readFileSync(spec, 'utf8').trim() : spec.trim();
  if (text.startsWith('-----BEGIN')) {
    const publicKey = rawPublicKey(createPublicKey(text));
    const name = origin ?? defaultOrigin(publicKey);
    return { origin: name, keyName: name, publicKey };
  }
  try {
    const { name, publicKey } = parseVerifierKey(text);
    return { origin: origin ?? name, keyName: name, publicKey };
  } catch (err) {
    throw new UsageError(`--public-key: ${(err as Error).message}`);
  }
}

function print(report: VerifyReport): number {
  if (report.ok) {
    process.stdout.write(
      `audit trail intact: ${report.events} events, ${report.checkpoints} signed checkpoints, root ${report.rootHash}\n`,
    );
    return 0;
  }
  const first = report.problems[0]!;
  process.stdout.write(
    `audit trail FAILED verification${first.seq !== null ? `: first bad sequence number ${first.seq}` : ''}\n`,
  );
  for (const p of report.problems.slice(0, 20))
    process.stdout.write(`  ${p.seq !== null ? `seq ${p.seq}: ` : ''}${p.message}\n`);
  if (report.problems.length > 20) process.stdout.write(`  ... and ${report.problems.length - 20} more\n`);
  return 1;
}

export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit trail');

  audit
    .command('verify')
    .description(
      're-derive every leaf, recompute the Merkle tree and check every signed checkpoint (exit 0 intact, 1 tampered)',
    )
    .option('--file <export>', 'verify an export file offline (no database, no server)')
    .option('--public-key <key>', 'trusted key: verifier key string, or a file with one or with a PEM public key')
    .action(async (o: { file?: string; publicKey?: string }) => {
      if (o.file) {
        const origin = process.env.STEWARD_AUDIT_ORIGIN || undefined;
        const { header, report } = await verifyExportFile(
          o.file,
          o.publicKey ? trustedKey(o.publicKey, origin) : undefined,
        );
        if (!o.publicKey)
          process.stderr.write(
            `note: trusting the key named in the export itself (${header.verifierKey}); pin the key you obtained from Steward with --public-key\n`,
          );
        process.exitCode = print(report);
        return;
      }
      const config = loadConfig();
      let key: TrustedKey;
      if (o.publicKey) key = trustedKey(o.publicKey, config.audit.origin);
      else if (existsSync(config.audit.keyFile)) key = loadOrCreateSigner(config.audit.keyFile, config.audit.origin);
      else
        throw new UsageError(
          `no signing key at ${config.audit.keyFile}: set STEWARD_AUDIT_KEY_FILE or pass --public-key`,
        );
      const database = openDatabase(config.database);
      try {
        process.exitCode = print(await verifyDatabase(database.db, key));
      } finally {
        await database.close();
      }
    });

  audit
    .command('export')
    .description('write events, checkpoints and the public key to a JSON Lines file for offline verification')
    .requiredOption('--out <file>', 'file to create (must not exist)')
    .action(async (o: { out: string }) => {
      const config = loadConfig();
      if (!existsSync(config.audit.keyFile))
        throw new UsageError(`no signing key at ${config.audit.keyFile}: set STEWARD_AUDIT_KEY_FILE`);
      const signer = loadOrCreateSigner(config.audit.keyFile, config.audit.origin);
      const database = openDatabase(config.database);
      try {
        let bar: ReturnType<typeof progress> | undefined;
        const res = await exportAudit(database.db, o.out, signer, {
          total: (events) => (bar = progress(`exporting ${events} events`, events, false)),
          written: (n) => bar?.add(n),
        });
        bar?.end();
        process.stdout.write(
          `exported ${res.events} events and ${res.checkpoints} checkpoints to ${o.out}\nverify with: steward audit verify --file ${o.out} --public-key '${signer.verifierKey}'\n`,
        );
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${o.out} already exists`);
        throw err;
      } finally {
        await database.close();
      }
    });
}
