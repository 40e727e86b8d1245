import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedUseCase, useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';

describe('steward discovery (real process)', () => {
  const root = mkdtempSync(join(tmpdir(), 'steward-discovery-cli-'));
  writeFileSync(join(root, 'fraud.onnx'), 'model one');
  writeFileSync(join(root, 'toy.pkl'), 'model two');
  const t = useTestApp('sqlite', {
    discovery: { artifactRoots: [root], mlflowUrls: ['http://127.0.0.1:9/'], retry: { attempts: 1, baseMs: 1 } },
  });
  let env: Record<string, string>;
  beforeAll(async () => {
    env = await listenForCli(t.app);
    await seedUseCase(t.app, 'fraud-detection');
  });

  it('scans, lists, adopts and dismisses', async () => {
    const scan = await runCli(['discovery', 'scan'], env);
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.stdout).toMatch(/partial/);
    expect(scan.stdout).toContain(`artifact-root ${root}: 2 found, 2 new`);
    expect(scan.stdout).toMatch(/mlflow http:\/\/127\.0\.0\.1:9: FAILED after 1 attempts/);

    const list = await runCli(['discovery', 'findings', '--source', 'artifact-root', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    const items = JSON.parse(list.stdout).items as { id: string; name: string }[];
    const fraud = items.find((f) => f.name === 'fraud.onnx')!;
    const toy = items.find((f) => f.name === 'toy.pkl')!;

    const adopted = await runCli(
      ['discovery', 'adopt', fraud.id, '--use-case', 'fraud-detection', '--model', 'fraud'],
      env,
    );
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(adopted.stdout).toMatch(/adopted as model/);
    const dismissed = await runCli(['discovery', 'dismiss', toy.id, '--reason', 'a toy from a tutorial'], env);
    expect(dismissed.code, dismissed.stderr).toBe(0);
    const open = await runCli(['discovery', 'findings'], env);
    expect(open.stdout).toContain('open 0, adopted 1, dismissed 1');
  });

  it('explains bad input', async () => {
    const badStatus = await runCli(['discovery', 'findings', '--status', 'closed'], env);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toMatch(/--status must be one of open, adopted, dismissed/);
    const noReason = await runCli(['discovery', 'dismiss', '00000000-0000-4000-8000-000000000000'], env);
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toMatch(/--reason/);
    const unknown = await runCli(
      ['discovery', 'dismiss', '00000000-0000-4000-8000-000000000000', '--reason', 'x'],
      env,
    );
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/not found|does not exist/i);
  });
});
