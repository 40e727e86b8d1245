import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawPublicKey, verifierKey } from '../../src/domain/checkpoint.ts';
import { useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';
import { seedExportable } from '../helpers/exports.ts';

describe('steward export and steward examination (real process)', () => {
  const t = useTestApp('sqlite');
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'steward-export-cli-'));

  beforeAll(async () => {
    await seedExportable(t.app);
    env = await listenForCli(t.app);
  });

  it('writes the BOM, the model card as PDF, the Annex IV file and the inventory', async () => {
    const bom = join(dir, 'bom.json');
    const r1 = await runCli(['export', 'bom', 'pd-card', '1', '--out', bom], env);
    expect(r1.code, r1.stderr).toBe(0);
    expect(JSON.parse(readFileSync(bom, 'utf8'))).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
    const pdf = join(dir, 'card.pdf');
    const r2 = await runCli(['export', 'model-card', 'pd-card', '1', '--format', 'pdf', '--out', pdf], env);
    expect(r2.code, r2.stderr).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const annex = await runCli(['export', 'annex-iv', 'pd-card-uc'], env);
    expect(annex.code, annex.stderr).toBe(0);
    expect(annex.stdout).toMatch(/^# EU AI Act Annex IV technical documentation: use case pd-card-uc/);
    const inv = await runCli(['export', 'inventory', '--team', 'credit-risk'], env);
    expect(inv.code, inv.stderr).toBe(0);
    expect(inv.stdout.split('\r\n')[1]).toMatch(/^pd-card-uc,credit-risk,pd-card,1,/);
  });

  it('refuses bad options and reports API problems', async () => {
    const bad = await runCli(['export', 'model-card', 'pd-card', '1', '--format', 'docx'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be one of md, html, pdf/);
    const missing = await runCli(['export', 'bom', 'pd-card', '9'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not_found/);
    const exists = join(dir, 'exists.json');
    await runCli(['export', 'bom', 'pd-card', '1', '--out', exists], env);
    const again = await runCli(['export', 'bom', 'pd-card', '1', '--out', exists], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('creates an examination pack and verifies it offline against the pinned key', async () => {
    const out = join(dir, 'pack.zip');
    const created = await runCli(['examination', 'create', '--as-of', new Date().toISOString(), '--out', out], env);
    expect(created.code, created.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    const ok = await runCli(['examination', 'verify', out, '--public-key', t.signer.verifierKey]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    // Pinned to another key, the same pack fails.
    const other = verifierKey(t.signer.keyName, rawPublicKey(generateKeyPairSync('ed25519').publicKey));
    const wrongKey = await runCli(['examination', 'verify', out, '--public-key', other]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toContain('manifest.sig: the manifest is not signed by the pinned key');
    const future = await runCli(
      ['examination', 'create', '--as-of', '2999-01-01T00:00:00Z', '--out', join(dir, 'future.zip')],
      env,
    );
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/asOf: .* is in the future/);
  });
});
