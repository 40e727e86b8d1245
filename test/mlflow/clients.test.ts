import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { expectError, ml, seedChurn, useMlflowRegistry } from '../helpers/mlflow.ts';

describe.each(DB_KINDS)('MLflow clients on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const registry = useMlflowRegistry(kind);
    const { t, bearer, b } = registry;
    beforeAll(async () => {
      await seedChurn(t.app, b('ds'));
    });

    it('authenticates as MLflow clients do and authorises as /api/v1 does, on every prefix', async () => {
      expectError(await ml(t.app, 'GET', '/registered-models/search', {}), 401, 'UNAUTHENTICATED');
      const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
      expect(
        (
          await ml(
            t.app,
            'GET',
            '/registered-models/get',
            { name: 'churn' },
            basic('dana', 'dana-correct-horse-battery'),
          )
        ).status,
      ).toBe(200);
      expect(
        (await ml(t.app, 'GET', '/registered-models/get', { name: 'churn' }, basic('dana', bearer.ds!))).status,
      ).toBe(200);
      expectError(
        await ml(t.app, 'GET', '/registered-models/get', { name: 'churn' }, basic('dana', 'wrong')),
        401,
        'UNAUTHENTICATED',
      );
      // On the embedded database (one process sees every identity change) verified Basic credentials
      // are remembered for a minute: a client's parallel requests are not taken for guessing. With
      // PostgreSQL replicas each request is verified anew (clients there should send tokens).
      if (kind === 'sqlite') {
        const parallel = await Promise.all(
          Array.from({ length: 12 }, () =>
            ml(t.app, 'GET', '/registered-models/get', { name: 'churn' }, basic('dana', 'dana-correct-horse-battery')),
          ),
        );
        expect(parallel.map((r) => r.status)).toEqual(new Array(12).fill(200));
      }
      expect((await ml(t.app, 'GET', '/registered-models/get', { name: 'churn' }, b('viewer'))).status).toBe(200);
      expectError(
        await ml(t.app, 'POST', '/registered-models/create', { name: 'viewer-model' }, b('viewer')),
        403,
        'PERMISSION_DENIED',
      );
      for (const prefix of ['/ajax-api/2.0/mlflow', '/api/2.0/preview/mlflow'])
        expect(
          (await ml(t.app, 'GET', '/registered-models/get', { name: 'churn' }, b('ds'), prefix)).body.registered_model
            .name,
        ).toBe('churn');
      expectError(await ml(t.app, 'GET', '/registered-models/list-everything', {}, b('ds')), 404, 'ENDPOINT_NOT_FOUND');
      expectError(await ml(t.app, 'GET', '/runs/get', { run_id: 'abc' }, b('ds')), 404, 'RESOURCE_DOES_NOT_EXIST');
      // Percent-escapes in the path do not slip past authentication (the router decodes them).
      for (const url of ['/api/2.0/ml%66low/registered-models/get?name=churn', '/api/v%31/models'])
        expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
      expect(
        (
          await t.app.inject({
            method: 'POST',
            url: '/api/2.0/ml%66low/registered-models/create',
            headers: { 'content-type': 'application/json' },
            payload: '{"name":"sneaky"}',
          })
        ).statusCode,
      ).toBe(401);
    });

    it('serves a real HTTP client process registering a model the way mlflow.register_model does', async () => {
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      // A separate Node process speaking HTTP/JSON: create (tolerating RESOURCE_ALREADY_EXISTS), create a version, poll until READY, set an alias, resolve it.
      const script = `
        const base = process.env.URL + '/api/2.0/mlflow';
        const headers = { authorization: 'Bearer ' + process.env.TOKEN, 'content-type': 'application/json' };
        const call = async (method, path, body) => { const r = await fetch(base + path + (method === 'GET' ? '?' + new URLSearchParams(body) : ''), { method, headers, body: method === 'GET' ? undefined : JSON.stringify(body) }); return [r.status, await r.json()]; };
        const [s1, created] = await call('POST', '/registered-models/create', { name: 'http-model' });
        const [s2, again] = await call('POST', '/registered-models/create', { name: 'http-model' });
        if (s1 !== 200 || s2 !== 400 || again.error_code !== 'RESOURCE_ALREADY_EXISTS') throw new Error('create: ' + JSON.stringify([s1, created, s2, again]));
        let [, mv] = await call('POST', '/model-versions/create', { name: 'http-model', source: 's3://http/model', run_id: 'r1' });
        for (let i = 0; i < 50 && mv.model_version.status === 'PENDING_REGISTRATION'; i++) [, mv] = await call('GET', '/model-versions/get', { name: 'http-model', version: mv.model_version.version });
        await call('POST', '/registered-models/alias', { name: 'http-model', alias: 'prod', version: mv.model_version.version });
        const [, byAlias] = await call('GET', '/registered-models/alias', { name: 'http-model', alias: 'prod' });
        console.log(JSON.stringify({ status: mv.model_version.status, version: byAlias.model_version.version }));
      `;
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          env: { ...process.env, URL: url, TOKEN: bearer.ds },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr))));
      });
      expect(JSON.parse(out)).toEqual({ status: 'READY', version: '1' });
    });
  });
});
