import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('configuration', () => {
  it('defaults to port 8080 and SQLite in ./.steward', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe(resolve('.steward'));
    expect(c.database).toEqual({ kind: 'sqlite', file: resolve('.steward', 'steward.db') });
    expect(c.logLevel).toBe('info');
  });

  it('switches to PostgreSQL on a postgres:// URL', () => {
    const c = loadConfig({
      STEWARD_DATABASE_URL: 'postgres://u@db:5432/steward',
      PORT: '9000',
      STEWARD_LOG_LEVEL: 'warn',
    });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/steward', timeoutMs: 5000 });
    expect(
      loadConfig({ STEWARD_DATABASE_URL: 'postgres://u@db/s', STEWARD_DATABASE_TIMEOUT_MS: '1500' }).database,
    ).toEqual({ kind: 'postgres', url: 'postgres://u@db/s', timeoutMs: 1500 });
    expect(() => loadConfig({ STEWARD_DATABASE_TIMEOUT_MS: '10' })).toThrow(
      /STEWARD_DATABASE_TIMEOUT_MS must be >= 100 \(valid: milliseconds from 100 to 600000/,
    );
    expect(c.port).toBe(9000);
    expect(c.logLevel).toBe('warn');
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', STEWARD_DATABASE_URL: 'mysql://x', STEWARD_LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/STEWARD_DATABASE_URL/);
    expect(problems).toMatch(/STEWARD_LOG_LEVEL/);
  });

  it('reads who may scrape /metrics, and refuses an allow list that is not addresses', () => {
    expect(loadConfig({}).metrics).toEqual({ token: undefined, allow: ['127.0.0.1', '::1'] });
    expect(loadConfig({ STEWARD_METRICS_ALLOW: '10.0.0.0/8, 192.168.1.7' }).metrics.allow).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
    ]);
    expect(() => loadConfig({ STEWARD_METRICS_ALLOW: '10.0.0.0/8,prometheus.internal' })).toThrow(
      /STEWARD_METRICS_ALLOW has 'prometheus.internal'/,
    );
    expect(() => loadConfig({ STEWARD_METRICS_TOKEN: 'short' })).toThrow(ConfigError);
  });

  it('reads the compute threads and the stalled-body limits (issue 23, item 3)', () => {
    const d = loadConfig({});
    expect(d.bodyTimeout).toEqual({ idleMs: 30_000, minBytes: 1024 });
    expect(d.computeThreads).toBeGreaterThanOrEqual(1);
    expect(d.computeThreads).toBeLessThanOrEqual(4);
    const c = loadConfig({
      STEWARD_COMPUTE_THREADS: '3',
      STEWARD_BODY_IDLE_SECONDS: '5',
      STEWARD_BODY_MIN_BYTES: '64',
    });
    expect(c.computeThreads).toBe(3);
    expect(c.bodyTimeout).toEqual({ idleMs: 5000, minBytes: 64 });
    let error: unknown;
    try {
      loadConfig({ STEWARD_COMPUTE_THREADS: '0', STEWARD_BODY_IDLE_SECONDS: 'soon' });
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/STEWARD_COMPUTE_THREADS .*e\.g\. 2/);
    expect(problems).toMatch(/STEWARD_BODY_IDLE_SECONDS .*e\.g\. 30/);
  });

  it('reads the discovery sources and the MLflow intake setting', () => {
    const c = loadConfig({
      STEWARD_DISCOVERY_MLFLOW_URLS: 'https://mlflow.example.com,http://scan:secret@mlflow-2:5000',
      STEWARD_DISCOVERY_MLFLOW_TOKEN: 'dapi-token',
      STEWARD_DISCOVERY_ARTIFACT_ROOTS: 'models, /mnt/shared ',
      STEWARD_DISCOVERY_INTERVAL_MINUTES: '15',
      STEWARD_MLFLOW_REQUIRE_USE_CASE: 'true',
    });
    expect(c.discovery).toEqual({
      mlflowUrls: ['https://mlflow.example.com', 'http://scan:secret@mlflow-2:5000'],
      mlflowToken: 'dapi-token',
      artifactRoots: [resolve('models'), '/mnt/shared'],
      intervalMs: 15 * 60_000,
    });
    expect(c.mlflow.requireUseCase).toBe(true);
    expect(loadConfig({}).discovery).toMatchObject({ mlflowUrls: [], artifactRoots: [], intervalMs: 3_600_000 });
    expect(loadConfig({}).mlflow.requireUseCase).toBe(false);
    expect(() => loadConfig({ STEWARD_DISCOVERY_MLFLOW_URLS: 'mlflow.example.com' })).toThrow(
      /STEWARD_DISCOVERY_MLFLOW_URLS must look like comma-separated http\(s\) URLs/,
    );
    expect(() => loadConfig({ STEWARD_DISCOVERY_INTERVAL_MINUTES: '-1' })).toThrow(
      /STEWARD_DISCOVERY_INTERVAL_MINUTES/,
    );
  });
});
