import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, seedUseCase, useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli, STEWARD_BIN } from '../helpers/cli.ts';

// util-linux `script` gives the CLI a real terminal.
const hasScript = spawnSync('script', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'steward-cli-progress-'));
const data = join(dir, 'eval.csv');
writeFileSync(
  data,
  `y,yhat\n${Array.from({ length: 5000 }, (_, i) => `${i % 2},${i % 3 === 0 ? 1 : 0}`).join('\n')}\n`,
);
const ARGS = ['evaluate', '--upload', '--model', 'bar', '--version', '1', '--data', data];
const SPEC = ['--task', 'binary-classification', '--label', 'y', '--prediction', 'yhat'];
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe.skipIf(!hasScript)('progress of an upload (real process on a terminal)', () => {
  const t = useTestApp('sqlite');
  let env: Record<string, string>;
  beforeAll(async () => {
    env = await listenForCli(t.app);
    const useCaseId = await seedUseCase(t.app, 'progress-uc');
    await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'bar', useCaseId } });
    await call(t.app, {
      method: 'POST',
      url: '/api/v1/models/bar/versions',
      body: { artifactUri: 's3://m/bar', artifactDigest: `sha256:${'2'.repeat(64)}` },
    });
  });

  // Asynchronous: the server answering it runs in this very process.
  const onTerminal = async (args: string[]) =>
    (
      await promisify(execFile)(
        'script',
        ['-qec', [process.execPath, STEWARD_BIN, ...args].map(quote).join(' '), '/dev/null'],
        { env: { ...process.env, ...env, XDG_CONFIG_HOME: dir }, encoding: 'utf8', timeout: 30_000 },
      )
    ).stdout;

  it('shows the upload on a terminal, and nothing with --json or without a terminal', async () => {
    const shown = await onTerminal([...ARGS, ...SPEC]);
    expect(shown).toMatch(/uploading eval\.csv 100%/);
    expect(shown).toMatch(/recorded evaluation/);
    const json = await onTerminal([...ARGS, ...SPEC, '--json']);
    expect(json).not.toMatch(/uploading/);
    const piped = await runCli([...ARGS, ...SPEC], env);
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
  });
});
