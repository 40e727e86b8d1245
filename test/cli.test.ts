import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { DEFAULT_PACK_FILE } from '../src/features/policy/pack-file.ts';
import { adHocAnalysis } from './helpers/policy.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.ts';
import { isMigrated } from '../src/db/migrate.ts';
import { ADMIN_TOKEN, call, seedUseCase, useCaseBody, useTestApp } from './helpers/app.ts';
import { runCli, STEWARD_BIN } from './helpers/cli.ts';
import { linearOnnxModel } from './helpers/onnx-model.ts';
import { createTestDatabase, DB_KINDS, skipReason, type TestDatabase } from './helpers/db.ts';

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
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    env = { STEWARD_URL: url, STEWARD_TOKEN: ADMIN_TOKEN };
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

describe('steward users, tokens and teams (real process)', () => {
  const t = useTestApp('sqlite', { teams: [] });
  let env: Record<string, string>;
  beforeAll(async () => {
    env = { STEWARD_URL: await t.app.listen({ port: 0, host: '127.0.0.1' }), STEWARD_TOKEN: ADMIN_TOKEN };
  });

  it('administers teams, users and tokens, and the new token works at once', async () => {
    expect((await runCli(['teams', 'create', 'risk', '--display-name', 'Model Risk'], env)).stdout).toMatch(
      /created team risk/,
    );
    expect((await runCli(['teams', 'list'], env)).stdout).toMatch(/risk {2}Model Risk/);
    const created = await runCli(
      [
        'users',
        'create',
        '--username',
        'vic',
        '--display-name',
        'Vic Validator',
        '--role',
        '*:risk-audit',
        '--role',
        'risk:viewer',
      ],
      env,
    );
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/created vic {2}Vic Validator {2}active {2}\*:risk-audit risk:viewer/);
    expect(created.stdout).toMatch(/one-time password \(shown once, must be changed at first sign-in\): \S{20,}/);
    expect((await runCli(['users', 'list'], env)).stdout).toMatch(/^vic /m);

    const token = await runCli(['tokens', 'create', '--name', 'ci', '--user', 'vic', '--scope', 'read'], env);
    expect(token.code).toBe(0);
    const secret = token.stdout.trim();
    expect(secret).toMatch(/^stw_\S{43}$/);
    expect(token.stderr).toMatch(/shown only now/);
    const asVic = { ...env, STEWARD_TOKEN: secret };
    expect((await runCli(['models', 'list'], asVic)).code).toBe(0);
    const listed = JSON.parse((await runCli(['tokens', 'list', '--user', 'vic', '--json'], env)).stdout) as {
      id: string;
      name: string;
    }[];
    expect(listed.map((x) => x.name)).toEqual(['ci']);

    const denied = await runCli(['teams', 'create', 'sneaky'], asVic);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/forbidden/);

    expect((await runCli(['tokens', 'revoke', listed[0]!.id], env)).stdout).toMatch(/revoked/);
    const revoked = await runCli(['models', 'list'], asVic);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/unauthenticated/);

    const again = JSON.parse(
      (await runCli(['tokens', 'create', '--name', 'ci2', '--user', 'vic', '--json'], env)).stdout,
    ) as { token: string };
    expect((await runCli(['users', 'disable', 'vic'], env)).stdout).toMatch(/vic .* disabled/);
    expect((await runCli(['models', 'list'], { ...env, STEWARD_TOKEN: again.token })).code).toBe(1);
    expect((await runCli(['users', 'grant', 'vic', '--role', 'risk:data-scientist'], env)).stdout).toMatch(
      /risk:data-scientist/,
    );
    expect((await runCli(['users', 'revoke-role', 'vic', '--role', 'risk:data-scientist'], env)).stdout).not.toMatch(
      /risk:data-scientist/,
    );
    const badRole = await runCli(['users', 'grant', 'vic', '--role', 'nocolon'], env);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/team:role/);
  });
});

describe.each(DB_KINDS)('steward migrate and serve on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'cli', () => {
    let testDb: TestDatabase;
    let dbEnv: Record<string, string>;
    beforeAll(async () => {
      testDb = await createTestDatabase(kind);
      const url = testDb.config.kind === 'postgres' ? testDb.config.url : `sqlite://${testDb.config.file}`;
      dbEnv = { STEWARD_DATABASE_URL: url, STEWARD_DATA_DIR: work };
    });
    afterAll(async () => testDb.drop());

    it('migrates an empty database, then reports it up to date', async () => {
      const first = await runCli(['migrate'], dbEnv);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/applied: 0001_inventory/);
      const handle = openDatabase(testDb.config);
      expect(await isMigrated(handle.db)).toBe(true);
      await handle.close();
      const second = await runCli(['migrate'], dbEnv);
      expect(second.stdout).toMatch(/up to date/);
    });

    it('serves the API until SIGTERM', async () => {
      const child = spawn(process.execPath, [STEWARD_BIN, 'serve'], {
        env: { ...process.env, ...dbEnv, PORT: '0', HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = '';
          const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
          child.stdout.on('data', (d) => {
            out += d;
            const m = /Steward listening on (http:\/\/[^"\s]+)/.exec(out);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]!);
            }
          });
          child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
        });
        const health = await fetch(`${url}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'ok' });
      } finally {
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
    });

    it('refuses to start with an invalid configuration, naming every problem', async () => {
      const res = await runCli(['serve'], { PORT: 'x', STEWARD_LOG_LEVEL: 'loud' });
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/PORT/);
      expect(res.stderr).toMatch(/STEWARD_LOG_LEVEL/);
    });
  });
});

describe('steward policy (real process)', () => {
  const t = useTestApp('sqlite', { teams: ['lending'] });
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'steward-policy-cli-'));
  const stricter = join(dir, 'stricter.yaml');
  const broken = join(dir, 'broken.yaml');

  beforeAll(async () => {
    env = { STEWARD_URL: await t.app.listen({ port: 0, host: '127.0.0.1' }), STEWARD_TOKEN: ADMIN_TOKEN };
    const pack = parse(readFileSync(DEFAULT_PACK_FILE, 'utf8'));
    pack.version = '1.1.0';
    pack.classification.rules.push({
      id: 'everything-tier-2',
      description: 'Nothing below tier 2.',
      when: { question: 'availability', in: ['ad-hoc', 'scheduled', 'realtime'] },
      tier: 2,
    });
    writeFileSync(stricter, stringify(pack));
    pack.matrix.signoff['3'] = ['no-such-measure'];
    delete pack.matrix.monitoring['1'];
    writeFileSync(broken, stringify(pack));
    const uc = (
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('cli-policy-uc', { ownerTeam: 'lending' }),
      })
    ).body.id;
    await call(t.app, { method: 'PUT', url: `/api/v1/use-cases/${uc}/assessment`, body: { answers: adHocAnalysis } });
  });

  it('validates packs offline with paths and exit codes', async () => {
    const ok = await runCli(['policy', 'validate', DEFAULT_PACK_FILE]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid \(default 1\.0\.0: \d+ rules, \d+ measures, 8 regulation packs\)/);
    const bad = await runCli(['policy', 'validate', broken]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\/matrix\/signoff\/3\/0: unknown measure 'no-such-measure'/);
    expect(bad.stderr).toMatch(/\/matrix\/monitoring\/1: no cell/);
    const missing = await runCli(['policy', 'validate', join(dir, 'absent.yaml')]);
    expect(missing.code).toBe(2);
    const diff = await runCli(['policy', 'diff', DEFAULT_PACK_FILE, stricter]);
    expect(diff.stdout).toMatch(/added {3}classification.rules everything-tier-2/);
  });

  it('simulates on the server, uploads and activates', async () => {
    const sim = await runCli(['policy', 'simulate', stricter], env);
    expect(sim.stderr).toBe('');
    expect(sim.stdout).toMatch(/cli-policy-uc: tier 1 -> 2; \+\d+ -0 measures/);
    const up = await runCli(['policy', 'upload', stricter], env);
    expect(up.code).toBe(0);
    const id = /as ([0-9a-f-]{36})/.exec(up.stdout)![1]!;
    const act = await runCli(['policy', 'activate', id], env);
    expect(act.stdout).toMatch(/active: default 1\.1\.0; 1 use case\(s\) marked for re-evaluation/);
    const again = await runCli(['policy', 'upload', stricter], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/conflict/);
  });
});

describe('steward evaluate (real process, offline)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-evaluate-'));
  const file = join(dir, 'preds.csv');
  writeFileSync(
    file,
    [
      'y,yhat,p,sex',
      ...Array.from(
        { length: 40 },
        (_, i) => `${i % 3 === 0 ? 1 : 0},${i % 2},${((i % 10) / 10).toFixed(1)},${i % 4 < 2 ? 'F' : 'M'}`,
      ),
    ].join('\n'),
  );

  it('prints a summary table, or everything as JSON, and fails clearly on bad input', async () => {
    const table = await runCli([
      'evaluate',
      '--data',
      file,
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--prediction',
      'yhat',
      '--score',
      'p',
      '--sensitive',
      'sex',
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/rows: 40/);
    expect(table.stdout).toMatch(/fairness by sex/);
    const json = await runCli([
      'evaluate',
      '--data',
      file,
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--prediction',
      'yhat',
      '--sensitive',
      'sex',
      '--privileged',
      'sex:M',
      '--json',
    ]);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ rows: 40, dataDigest: expect.stringMatching(/^sha256:/) });
    expect(parsed.fairness.sex.aif360.privileged_group).toBe('M');
    const bad = await runCli([
      'evaluate',
      '--data',
      file,
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--prediction',
      'missing',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no column 'missing'/);
    expect(
      (await runCli(['evaluate', '--data', file, '--task', 'clustering', '--label', 'y', '--prediction', 'yhat'])).code,
    ).toBe(2);
  });

  it('reads a .parquet file with the same results as the CSV', async () => {
    const rows = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const pq = join(dir, 'preds.parquet');
    writeFileSync(
      pq,
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'y', data: rows.map((r) => Number(r[0])), type: 'INT32' },
            { name: 'yhat', data: rows.map((r) => Number(r[1])), type: 'INT32' },
            { name: 'sex', data: rows.map((r) => r[3]!), type: 'STRING' },
          ],
        }),
      ),
    );
    const args = [
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--prediction',
      'yhat',
      '--sensitive',
      'sex',
      '--json',
    ];
    const fromParquet = await runCli(['evaluate', '--data', pq, ...args]);
    expect(fromParquet.code, fromParquet.stderr).toBe(0);
    const a = JSON.parse(fromParquet.stdout);
    const b = JSON.parse((await runCli(['evaluate', '--data', file, ...args])).stdout);
    expect(a.rows).toBe(40);
    expect(a.fairness).toEqual(b.fairness);
    expect(a.performance).toEqual(b.performance);
    // The same metrics the server stores as evidence, data quality included.
    expect(a.metrics).toMatchObject({ 'missing-rate': 0, 'duplicate-rows': expect.any(Number) });
  });

  it('runs an ONNX model, explains it, and names missing features', async () => {
    const model = join(dir, 'model.onnx');
    writeFileSync(model, linearOnnxModel({ weights: [2, -1], bias: 0, kind: 'logistic' }));
    const data = join(dir, 'features.csv');
    writeFileSync(
      data,
      [
        'a,b,y,g',
        ...Array.from(
          { length: 60 },
          (_, i) =>
            `${(i % 7) - 3},${(i % 5) - 2},${2 * ((i % 7) - 3) - ((i % 5) - 2) > 0 ? 1 : 0},${i % 2 ? 'p' : 'q'}`,
        ),
      ].join('\n'),
    );
    const table = await runCli([
      'evaluate',
      '--data',
      data,
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--sensitive',
      'g',
      '--model',
      model,
      '--features',
      'a,b',
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/accuracy\s+1\n/);
    expect(table.stdout).toMatch(/explanations \(permutation importance as the drop in accuracy/);
    expect(table.stdout).toMatch(/\n {2}a\s+0\.\d+/);
    const json = JSON.parse(
      (
        await runCli([
          'evaluate',
          '--data',
          data,
          '--task',
          'binary-classification',
          '--label',
          'y',
          '--model',
          model,
          '--features',
          'a,b',
          '--json',
          '--seed',
          '3',
        ])
      ).stdout,
    );
    expect(json.model).toMatchObject({ features: ['a', 'b'], source: model });
    expect(json.explanations.shapley).toMatchObject({ method: 'exact', coalitions: 4 });
    expect(json.explanations.options.seed).toBe(3);
    // The positive class's probability is the last column; naming column 0 scores the other class.
    const flipped = JSON.parse(
      (
        await runCli([
          'evaluate',
          '--data',
          data,
          '--task',
          'binary-classification',
          '--label',
          'y',
          '--model',
          model,
          '--features',
          'a,b',
          '--json',
          '--no-explain',
          '--class-index',
          '0',
        ])
      ).stdout,
    );
    expect(flipped.performance.rocAuc).toBeCloseTo(1 - json.performance.rocAuc, 12);
    expect(flipped.explanations).toEqual({ available: false, reason: 'explanations were not requested' });
    for (const bad of [
      ['--threshold', '2'],
      ['--class-index', '-1'],
      ['--zero-division', 'maybe'],
    ]) {
      const r = await runCli([
        'evaluate',
        '--data',
        data,
        '--task',
        'binary-classification',
        '--label',
        'y',
        '--model',
        model,
        '--features',
        'a,b',
        ...bad,
      ]);
      expect(r.code, bad.join(' ')).toBe(2);
    }
    const noFeatures = await runCli([
      'evaluate',
      '--data',
      data,
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--model',
      model,
    ]);
    expect(noFeatures.code).toBe(2);
    expect(noFeatures.stderr).toMatch(/the model takes 2 features/);
    const both = await runCli([
      'evaluate',
      '--data',
      data,
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--prediction',
      'y',
      '--model',
      model,
      '--features',
      'a,b',
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/leave out prediction/);
  });
});
