import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { call, expectProblem, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

const configProblems = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.join('\n');
  }
  throw new Error('configuration was accepted');
};

describe('configuration problems say what a valid value looks like', () => {
  it('lists the log levels, the token length and the form of a database URL', () => {
    const problems = configProblems({
      STEWARD_LOG_LEVEL: 'loud',
      STEWARD_BOOTSTRAP_TOKEN: 'short',
      STEWARD_DATABASE_URL: 'mysql://db/steward',
    });
    expect(problems).toContain('STEWARD_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
    expect(problems).toMatch(/STEWARD_BOOTSTRAP_TOKEN .*24 to 256 characters/);
    expect(problems).toMatch(/STEWARD_DATABASE_URL must look like postgres:\/\/.*sqlite:\/\//);
    expect(problems).not.toMatch(/allowed values|must match pattern/);
  });
});

describe.each(DB_KINDS)('problems that say what would be accepted on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { bodyLimit: 4096 });

    it('an enum lists its allowed values once', async () => {
      const res = await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('enum-uc', { consumers: 'everyone' }),
      });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([
        { pointer: '/body/consumers', message: 'must be one of internal-few, internal-many, public' },
      ]);
      expect(res.body.detail).toBe(
        'request body is invalid: /body/consumers must be one of internal-few, internal-many, public',
      );
      expect(res.text).not.toMatch(/equal to constant|anyOf/);
    });

    it('413 says the limit in bytes', async () => {
      const res = await call(t.app, { method: 'POST', url: '/api/v1/teams', body: { name: 'x'.repeat(5000) } });
      expectProblem(res, 413, 'payload_too_large');
      expect(res.body.detail).toContain('4096 bytes');
      expect(res.body.limit).toBe(4096);
    });

    it('415 says which media types the route takes', async () => {
      const json = await call(t.app, {
        method: 'POST',
        url: '/api/v1/teams',
        body: '<team/>',
        headers: { 'content-type': 'application/xml' },
      });
      expectProblem(json, 415, 'unsupported_media_type');
      expect(json.body.detail).toContain('application/json');
      expect(json.body.accepts).toContain('application/json');
      expect(json.body.accepts).not.toContain('text/csv');
      const upload = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/none/versions/1/evaluations?task=binary-classification&label=y&prediction=p&sensitive=g',
        body: '<data/>',
        headers: { 'content-type': 'application/xml' },
      });
      expectProblem(upload, 415, 'unsupported_media_type');
      expect(upload.body.detail).toMatch(/text\/csv/);
    });
  });
});
