import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { loadOrCreateSigner } from '../../src/features/audit/signing-key.ts';
import { runCli, STEWARD_BIN } from '../helpers/cli.ts';

// util-linux `script` gives the CLI a real terminal.
const hasScript = spawnSync('script', ['--version']).status === 0;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe.skipIf(!hasScript)('progress of steward audit export (real process on a terminal)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-export-progress-'));
  const env = {
    STEWARD_DATA_DIR: dir,
    STEWARD_DATABASE_URL: `sqlite://${join(dir, 'steward.db')}`,
    STEWARD_AUDIT_KEY_FILE: join(dir, 'audit-signing-key.pem'),
  };
  const database = openDatabase({ kind: 'sqlite', file: join(dir, 'steward.db') });

  beforeAll(async () => {
    // A server's data directory with an audit trail: the first start creates the administrator.
    await migrateToLatest(database.db);
    const app = await buildApp({
      config: {
        bodyLimit: 1_048_576,
        logLevel: 'silent',
        session: { idleMs: 60_000, maxMs: 60_000, secureCookie: false },
      },
      database,
      signer: loadOrCreateSigner(env.STEWARD_AUDIT_KEY_FILE),
      logger: false,
      monitoring: { jobs: false },
      webhooks: { dispatch: false },
      bootstrap: {},
    });
    await app.close();
  });
  afterAll(() => database.close());

  it('shows the export on a terminal, and nothing when piped', async () => {
    const out = join(dir, 'on-terminal.jsonl');
    const shown = (
      await promisify(execFile)(
        'script',
        ['-qec', [process.execPath, STEWARD_BIN, 'audit', 'export', '--out', out].map(quote).join(' '), '/dev/null'],
        { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 },
      )
    ).stdout;
    const events = readFileSync(out, 'utf8').trim().split('\n').length;
    expect(shown).toMatch(/exporting \d+ events 100%/);
    expect(shown).toMatch(/exported \d+ events/);
    expect(events).toBeGreaterThan(1);
    const piped = await runCli(['audit', 'export', '--out', join(dir, 'piped.jsonl')], env);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).toBe('');
  });
});
