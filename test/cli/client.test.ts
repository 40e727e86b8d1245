import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call, seedUseCase, useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'steward-cli-'));

describe('steward CLI client commands (real process against a live server)', () => {
  let seenAuth: string | undefined;
  const t = useTestApp('sqlite', {
    configure: (app) =>
      app.addHook('onRequest', async (request) => {
        if (request.url.startsWith('/api/v1/models')) seenAuth = request.headers.authorization;
      }),
  });
  let env: Record<string, string>;
  let useCaseId: string;

  beforeAll(async () => {
    env = await listenForCli(t.app);
    useCaseId = await seedUseCase(t.app, 'cli-uc');
  });

  it('creates and lists models, sending the token as a Bearer header', async () => {
    const created = await runCli(
      [
        'models',
        'create',
        '--name',
        'cli-model',
        '--use-case',
        useCaseId,
        '--tag',
        'team=ci',
        '--description',
        'from CI',
      ],
      env,
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/created model cli-model/);
    expect(seenAuth).toBe(`Bearer ${ADMIN_TOKEN}`);

    const listed = await runCli(['models', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { name: 'cli-model', tags: { team: 'ci' }, description: 'from CI' },
    ]);
  });

  it('registers a version with metrics from a file and a digest computed from the artefact', async () => {
    const metrics = join(work, 'metrics.json');
    writeFileSync(metrics, JSON.stringify({ auc: 0.93, f1: 0.71 }));
    const artifact = join(work, 'model.onnx');
    writeFileSync(artifact, 'not really onnx');
    const expected = `sha256:${createHash('sha256').update('not really onnx').digest('hex')}`;

    const res = await runCli(
      [
        'versions',
        'create',
        '--model',
        'cli-model',
        '--artifact-uri',
        's3://b/model.onnx',
        '--artifact-file',
        artifact,
        '--metrics',
        metrics,
        '--framework',
        'onnx',
        '--json',
      ],
      env,
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      model: 'cli-model',
      version: 1,
      artifactDigest: expected,
      metrics: { auc: 0.93, f1: 0.71 },
    });

    const second = await runCli(
      [
        'versions',
        'create',
        '--model',
        'cli-model',
        '--artifact-uri',
        's3://b/2',
        '--artifact-digest',
        `sha256:${'b'.repeat(64)}`,
      ],
      env,
    );
    expect(second.code).toBe(0);
    expect(second.stdout.trim()).toBe('registered cli-model version 2');
    expect((await call(t.app, { method: 'GET', url: '/api/v1/models/cli-model/versions/2' })).body.artifactDigest).toBe(
      `sha256:${'b'.repeat(64)}`,
    );
  });

  it('answers the deployment check for CI: exit 0 when allowed, 1 with the reasons when not', async () => {
    const blocked = await runCli(['check', '--model', 'cli-model', '--version', '1', '--env', 'production'], env);
    expect(blocked.code, blocked.stderr).toBe(1);
    expect(blocked.stdout).toMatch(
      /^not allowed: cli-model version 1 may not run in production\n {2}- the use case has no risk assessment/,
    );
    const promoted = await call(t.app, {
      method: 'POST',
      url: '/api/v1/models/cli-model/versions/1/promotions',
      body: { environment: 'development', reason: 'CI' },
    });
    expect(promoted.body.status).toBe('completed');
    const allowed = await runCli(
      ['check', '--model', 'cli-model', '--version', '1', '--env', 'development', '--json'],
      env,
    );
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout)).toEqual({ allowed: true, reasons: [] });
    expect((await runCli(['check', '--model', 'cli-model', '--version', '1', '--env', 'moon'], env)).code).toBe(2);
    expect((await runCli(['check', '--model', 'cli-model', '--version', 'x', '--env', 'qa'], env)).code).toBe(2);
    const missing = await runCli(['check', '--model', 'nope', '--version', '1', '--env', 'qa'], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/nope/);
  });

  it('fails with clear messages and non-zero exit codes', async () => {
    const badDigest = await runCli(
      ['versions', 'create', '--model', 'cli-model', '--artifact-uri', 'x', '--artifact-digest', 'md5:1'],
      env,
    );
    expect(badDigest.code).toBe(1);
    expect(badDigest.stderr).toMatch(/validation_failed/);
    expect(badDigest.stderr).toMatch(/\/body\/artifactDigest/);

    const unknownModel = await runCli(
      [
        'versions',
        'create',
        '--model',
        'ghost',
        '--artifact-uri',
        'x',
        '--artifact-digest',
        `sha256:${'c'.repeat(64)}`,
      ],
      env,
    );
    expect(unknownModel.code).toBe(1);
    expect(unknownModel.stderr).toMatch(/not_found.*model 'ghost' does not exist/);

    const missingOption = await runCli(['versions', 'create', '--model', 'cli-model'], env);
    expect(missingOption.code).toBe(2);
    expect(missingOption.stderr).toMatch(/--artifact-uri/);

    const both = await runCli(['versions', 'create', '--model', 'cli-model', '--artifact-uri', 'x'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exactly one of --artifact-digest and --artifact-file/);

    const badMetrics = join(work, 'bad.json');
    writeFileSync(badMetrics, '{oops');
    const metricsErr = await runCli(
      [
        'versions',
        'create',
        '--model',
        'cli-model',
        '--artifact-uri',
        'x',
        '--artifact-digest',
        `sha256:${'c'.repeat(64)}`,
        '--metrics',
        badMetrics,
      ],
      env,
    );
    expect(metricsErr.code).toBe(2);
    expect(metricsErr.stderr).toMatch(/not valid JSON/);

    const duplicate = await runCli(['models', 'create', '--name', 'cli-model', '--use-case', useCaseId], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/conflict/);

    const unreachable = await runCli(['models', 'list'], { STEWARD_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/cannot reach Steward at http:\/\/127.0.0.1:9/);

    const versions = await call(t.app, { method: 'GET', url: '/api/v1/models/cli-model/versions' });
    expect(versions.body.items).toHaveLength(2);
  });
});
