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
});
