import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { signCheckpoint } from '../../src/domain/checkpoint.ts';
import { leafHash, leafHashOfText } from '../../src/domain/merkle.ts';
import { canonicalize } from '../../src/domain/jcs.ts';
import { exportAudit, verifyDatabase, verifyExportFile } from '../../src/features/audit/audit-export.ts';
import { auditRepo } from '../../src/features/audit/audit.repo.ts';
import { call, seedModel, seedUseCase, useTestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

const work = mkdtempSync(join(tmpdir(), 'steward-tamper-'));
const TABLES = ['audit_events', 'audit_nodes', 'audit_checkpoints'];
// audit_events' other columns are generated from the leaf.
const COLUMNS: Record<string, string> = {
  audit_events: 'seq, leaf',
  audit_nodes: 'level, idx, hash',
  audit_checkpoints: 'tree_size, root_hash, note, created_at',
};
const forge = (seq: number, from: string, to: string) =>
  `update audit_events set leaf = replace(leaf, '${from}', '${to}') where seq = ${seq}`;

describe.each(DB_KINDS)('tamper evidence on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'audit', () => {
    const t = useTestApp(kind);
    const key = () => ({ origin: t.signer.origin, keyName: t.signer.keyName, publicKey: t.signer.publicKey });
    let size = 0;
    let exportFile = '';

    beforeAll(async () => {
      const uc = await seedUseCase(t.app, 'tamper');
      await seedModel(t.app, 'tamper-model', uc);
      for (let i = 0; i < 6; i++) {
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/tamper-model/versions',
          body: { artifactUri: `s3://t/${i}`, artifactDigest: `sha256:${String(i).repeat(64)}` },
        });
      }
      size = (await call(t.app, { method: 'GET', url: '/api/v1/audit/checkpoint' })).body.treeSize;
      exportFile = join(work, `${kind}-export.jsonl`);
      await exportAudit(t.database.db, exportFile, t.signer);
      for (const table of TABLES)
        await sql.raw(`create table ${table}_intact as select ${COLUMNS[table]} from ${table}`).execute(t.database.db);
    });

    /** Puts the audit tables back exactly as they were before any tampering. */
    async function restore(): Promise<void> {
      for (const table of TABLES) {
        await sql.raw(`delete from ${table}`).execute(t.database.db);
        await sql
          .raw(`insert into ${table} (${COLUMNS[table]}) select ${COLUMNS[table]} from ${table}_intact`)
          .execute(t.database.db);
      }
    }

    /** Applies a tampering, verifies, and restores the intact log, so each case starts from it. */
    async function tampered(apply: string[]) {
      for (const s of apply) await sql.raw(s).execute(t.database.db);
      try {
        return await verifyDatabase(t.database.db, key());
      } finally {
        await restore();
      }
    }

    it('verifies the intact log', async () => {
      const report = await verifyDatabase(t.database.db, key());
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({ ok: true, events: size });
      expect(report.rootHash).toBe(
        (await call(t.app, { method: 'GET', url: '/api/v1/audit/checkpoint' })).body.rootHash,
      );
    });

    it('detects an edited field in any event', async () => {
      for (const [seq, from, to] of [
        [1, '"name":"Steward"', '"name":"Mallory"'],
        [7, '"reason":null', '"reason":"backdated"'],
        [9, '"time":"20', '"time":"19'],
        [size, '"action":"', '"action":"forged.'],
      ] as const) {
        const report = await tampered([forge(seq, from, to)]);
        expect(report.ok).toBe(false);
        expect(report.problems[0]).toMatchObject({ seq });
      }
      expect((await verifyDatabase(t.database.db, key())).ok).toBe(true);
    });

    it('detects an edit whose stored leaf hash was recomputed too, through the signed roots', async () => {
      const [event] = await auditRepo.events(t.database.db, { action: 'version.create', afterSeq: 0, limit: 1 });
      const seq = event!.seq;
      const stored = (await auditRepo.leaves(t.database.db, seq - 1, 1))[0]!.leaf;
      const forged = stored.replace(/"artifactUri":"[^"]*"/, '"artifactUri":"s3://evil"');
      expect(forged).not.toBe(stored);
      const forgedLeaf = leafHashOfText(forged).toString('hex');
      const report = await tampered([
        `update audit_events set leaf = '${forged}' where seq = ${seq}`,
        `update audit_nodes set hash = '${forgedLeaf}' where level = 0 and idx = ${seq - 1}`,
      ]);
      expect(report.ok).toBe(false);
      expect(report.problems.some((p) => /differs from what was recorded/.test(p.message))).toBe(false);
      expect(report.problems[0]).toMatchObject({
        seq,
        message: expect.stringMatching(/do not reproduce the signed root/),
      });
    });

    it('detects a deleted event, two swapped events and a truncated tail', async () => {
      const deleted = await tampered([`delete from audit_events where seq = 5`]);
      expect(deleted.problems[0]).toMatchObject({ seq: 5, message: expect.stringMatching(/event 5 is missing/) });

      const swapped = await tampered([
        `update audit_events set leaf = (select leaf from audit_events_intact b where b.seq = (case when audit_events.seq = 4 then 6 else 4 end)) where seq in (4, 6)`,
      ]);
      expect(swapped.ok).toBe(false);
      expect(swapped.problems[0]!.seq).toBe(4);

      const truncated = await tampered([`delete from audit_events where seq > ${size - 2}`]);
      expect(truncated.ok).toBe(false);
      expect(truncated.problems[0]).toMatchObject({
        seq: size - 1,
        message: expect.stringMatching(/truncated or deleted tail/),
      });
      expect((await verifyDatabase(t.database.db, key())).ok).toBe(true);
    });

    it('detects a checkpoint signed by another key and one whose root disagrees', async () => {
      const cp = (
        await sql<{
          note: string;
          tree_size: number;
        }>`select note, tree_size from audit_checkpoints order by tree_size limit 1 offset 3`.execute(t.database.db)
      ).rows[0]!;
      const n = Number(cp.tree_size);
      const root = Buffer.from(cp.note.split('\n')[2]!, 'base64');
      const other = signCheckpoint(
        { origin: t.signer.origin, treeSize: n, rootHash: root },
        t.signer.keyName,
        generateKeyPairSync('ed25519').privateKey,
      );
      const foreign = await tampered([`update audit_checkpoints set note = '${other}' where tree_size = ${n}`]);
      expect(foreign.ok).toBe(false);
      expect(foreign.problems[0]!.message).toMatch(
        new RegExp(`checkpoint of size ${n}: not signed by the trusted key`),
      );

      const wrongRoot = t.signer.sign({ treeSize: n, rootHash: leafHash(Buffer.from('not the root')) });
      const disagrees = await tampered([`update audit_checkpoints set note = '${wrongRoot}' where tree_size = ${n}`]);
      expect(disagrees.ok).toBe(false);
      expect(disagrees.problems[0]!.message).toMatch(new RegExp(`do not reproduce the signed root of checkpoint ${n}`));
      expect((await verifyDatabase(t.database.db, key())).ok).toBe(true);
    });

    it('refuses events appended behind its back: verify flags them and no write will sign them', async () => {
      const last = (await auditRepo.leaves(t.database.db, size - 1, 1))[0]!.leaf;
      const forged = last.replace(`"seq":${size},`, `"seq":${size + 1},`).replace('"action":"', '"action":"forged.');
      const leafHex = leafHashOfText(forged).toString('hex');
      const apply = [
        `insert into audit_events (seq, leaf) values (${size + 1}, '${forged}')`,
        `insert into audit_nodes (level, idx, hash) values (0, ${size}, '${leafHex}')`,
        `update audit_head set size = ${size + 1}`,
      ];
      for (const s of apply) await sql.raw(s).execute(t.database.db);
      try {
        const report = await verifyDatabase(t.database.db, key());
        expect(report.ok).toBe(false);
        expect(report.problems[0]).toMatchObject({
          seq: size + 1,
          message: expect.stringMatching(/not covered by any signed checkpoint/),
        });
        const write = await call(t.app, { method: 'POST', url: '/api/v1/teams', body: { name: 'after-forgery' } });
        expect(write.status).toBe(500);
        expect((await verifyDatabase(t.database.db, key())).problems[0]!.seq).toBe(size + 1);
      } finally {
        await sql.raw(`update audit_head set size = ${size}`).execute(t.database.db);
        await restore();
      }
      const noCheckpoints = await tampered(['delete from audit_checkpoints']);
      expect(noCheckpoints.ok).toBe(false);
      expect(noCheckpoints.problems.some((p) => /not covered by any signed checkpoint/.test(p.message))).toBe(true);
      expect((await verifyDatabase(t.database.db, key())).ok).toBe(true);
    });

    it('verifies an export offline and detects every tampering of the file', async () => {
      const lines = readFileSync(exportFile, 'utf8').trimEnd().split('\n');
      const eventAt = (seq: number) => lines.findIndex((l) => l.startsWith('{"action":') && JSON.parse(l).seq === seq);
      const check = async (name: string, mutate: (ls: string[]) => string[], expectSeq?: number) => {
        const file = join(work, `${kind}-${name}.jsonl`);
        writeFileSync(file, `${mutate([...lines]).join('\n')}\n`);
        const { report } = await verifyExportFile(file, key());
        expect(report.ok, name).toBe(false);
        // Offline there are no stored leaf hashes: the culprit is named by the signed range it breaks.
        const first = report.problems[0]!;
        if (expectSeq !== undefined)
          expect(
            first.seq === expectSeq ||
              (first.range !== undefined && first.range[0] <= expectSeq && expectSeq <= first.range[1]),
            `${name}: ${JSON.stringify(first)}`,
          ).toBe(true);
        return report;
      };
      expect((await verifyExportFile(exportFile, key())).report).toMatchObject({ ok: true, events: size });

      await check(
        'edited',
        (ls) => ls.map((l, i) => (i === eventAt(6) ? l.replace('"Administrator"', '"Mallory"') : l)),
        6,
      );
      await check('deleted', (ls) => ls.filter((_, i) => i !== eventAt(3)), 3);
      await check(
        'swapped',
        (ls) => {
          const [a, b] = [eventAt(4), eventAt(5)];
          const ea = JSON.parse(ls[a]!);
          const eb = JSON.parse(ls[b]!);
          ls[a] = canonicalize({ ...eb, seq: 4 });
          ls[b] = canonicalize({ ...ea, seq: 5 });
          return ls;
        },
        4,
      );
      await check('truncated', (ls) => ls.slice(0, eventAt(size - 1)), size - 1);
      const header = JSON.parse(lines[0]!);
      const otherKey = signCheckpoint(
        {
          origin: t.signer.origin,
          treeSize: header.treeSize,
          rootHash: Buffer.from(header.latestCheckpoint.split('\n')[2], 'base64'),
        },
        t.signer.keyName,
        generateKeyPairSync('ed25519').privateKey,
      );
      await check('foreign-checkpoint', (ls) => [
        JSON.stringify({ ...header, latestCheckpoint: otherKey }),
        ...ls.slice(1).filter((l) => !l.includes(`"treeSize":${header.treeSize},"note"`)),
      ]);
      const wrong = t.signer.sign({ treeSize: header.treeSize, rootHash: leafHash(Buffer.from('x')) });
      const report = await check('wrong-root', (ls) => [
        JSON.stringify({ ...header, latestCheckpoint: wrong }),
        ...ls.slice(1).filter((l) => !l.includes(`"treeSize":${header.treeSize},"note"`)),
      ]);
      expect(report.problems[0]!.message).toMatch(/do not reproduce the signed root/);
      const unsigned = await check('no-checkpoints', (ls) => [
        JSON.stringify({ ...header, latestCheckpoint: null }),
        ...ls.slice(1).filter((l) => !l.startsWith('{"type":"checkpoint"')),
      ]);
      expect(unsigned.problems[0]!.message).toMatch(/not covered by any signed checkpoint/);
      await check('garbled-line', (ls) => ls.map((l, i) => (i === eventAt(7) ? '{"not json' : l)), 7);
    });

    it('runs `steward audit verify` as a real process, on the file and on the database', async () => {
      const pinned = ['--public-key', t.signer.verifierKey];
      const ok = await runCli(['audit', 'verify', '--file', exportFile, ...pinned]);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(new RegExp(`audit trail intact: ${size} events`));

      const bad = join(work, `${kind}-cli-bad.jsonl`);
      writeFileSync(bad, readFileSync(exportFile, 'utf8').replace('"Administrator"', '"Mallory"'));
      const failed = await runCli(['audit', 'verify', '--file', bad, ...pinned]);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/FAILED verification: first bad sequence number \d+/);

      const embedded = await runCli(['audit', 'verify', '--file', exportFile]);
      expect(embedded.code).toBe(0);
      expect(embedded.stderr).toMatch(/trusting the key named in the export itself/);

      const dbUrl = t.testDb.config.kind === 'postgres' ? t.testDb.config.url : `sqlite://${t.testDb.config.file}`;
      const env = { STEWARD_DATABASE_URL: dbUrl, STEWARD_DATA_DIR: work, STEWARD_AUDIT_ORIGIN: t.signer.origin };
      const live = await runCli(['audit', 'verify', ...pinned], env);
      expect(live.stderr).toBe('');
      expect(live.code).toBe(0);
      await sql.raw(forge(9, '"action":"', '"action":"forged.')).execute(t.database.db);
      try {
        const broken = await runCli(['audit', 'verify', ...pinned], env);
        expect(broken.code).toBe(1);
        expect(broken.stdout).toMatch(/first bad sequence number 9/);
      } finally {
        await restore();
      }
      const noKey = await runCli(['audit', 'verify'], { ...env, STEWARD_AUDIT_KEY_FILE: join(work, 'absent.pem') });
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toMatch(/no signing key/);
    });
  });
});
