import { describe, expect, it } from 'vitest';
import { call, manualClock, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';

/** One sample of the Prometheus text exposition format: name, labels and value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the exposition format (0.0.4): HELP/TYPE comments, then `name{a="b",…} value` lines. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

const scrape = async (app: Parameters<typeof call>[0], headers: Record<string, string> = {}) => {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers });
  return { status: res.statusCode, type: res.headers['content-type'], text: res.body };
};

const total = (samples: Sample[], name: string, where: (l: Record<string, string>) => boolean = () => true) =>
  samples.filter((s) => s.name === name && where(s.labels)).reduce((a, s) => a + s.value, 0);

describe.each(DB_KINDS)('Prometheus metrics (%s)', (kind) => {
  describe.skipIf(skipReason(kind))('governance gauges', () => {
    const clock = manualClock(Date.parse('2026-06-01T09:00:00Z'));
    const g = useGovernedLifecycle(kind, { clock });

    it('counts versions by tier and step, tasks, alerts and requests, in the exposition format', async () => {
      const uc = (await call(g.t.app, { method: 'GET', url: '/api/v1/models/pd' })).body.useCaseId;
      const assessed = await call(g.t.app, { method: 'GET', url: `/api/v1/use-cases/${uc}/assessment` });
      expect(assessed.status, assessed.text).toBe(200);
      const tier = String(assessed.body.current.tier);
      const steps = [(await g.lifecycle()).step, (await g.lifecycle('/api/v1/models/pd/versions/2')).step];
      const res = await scrape(g.t.app);
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
      const { samples, types } = parseExposition(res.text);
      expect(types.get('steward_model_versions')).toBe('gauge');
      expect(types.get('steward_http_request_duration_seconds')).toBe('histogram');
      const expected = new Map<string, number>();
      for (const step of steps) expected.set(step, (expected.get(step) ?? 0) + 1);
      expect(samples.filter((s) => s.name === 'steward_model_versions')).toEqual(
        [...expected].map(([step, value]) => ({ name: 'steward_model_versions', labels: { tier, step }, value })),
      );
      expect(total(samples, 'steward_open_alerts')).toBe(0);
      expect(total(samples, 'steward_stale_approvals')).toBe(0);
      expect(total(samples, 'steward_pending_registrations')).toBe(0);
      expect(samples.some((s) => s.name === 'steward_jobs' && s.labels.state === 'queued')).toBe(true);
      // The pool gauge exists only where there is a pool.
      expect(samples.some((s) => s.name === 'steward_db_pool_connections')).toBe(kind === 'postgres');
      expect(samples.some((s) => s.name === 'steward_process_resident_memory_bytes')).toBe(true);

      // Requests are labelled by route template, never by the concrete path.
      const versionRequests = (l: Record<string, string>) =>
        l.route === '/api/v1/models/:name/versions/:version/lifecycle' && l.status === '200' && l.le === '+Inf';
      expect(total(samples, 'steward_http_request_duration_seconds_bucket', versionRequests)).toBeGreaterThan(0);
      expect(samples.some((s) => s.labels.route?.includes('/pd/'))).toBe(false);
    });

    it('counts open tasks past their due time once the clock passes it', async () => {
      // Every open task, from the inboxes of everyone the lifecycle seeded.
      const byId = new Map<string, { kind: string; due: string }>();
      for (const user of Object.keys(g.tok))
        for (const task of (await call(g.t.app, { method: 'GET', url: '/api/v1/tasks?limit=500', token: g.as(user) }))
          .body.items)
          byId.set(task.id, task);
      const tasks = [...byId.values()];
      expect(tasks.length).toBeGreaterThan(0);
      const before = parseExposition((await scrape(g.t.app)).text).samples;
      expect(total(before, 'steward_overdue_tasks')).toBe(0);
      const latest = Math.max(...tasks.map((t) => Date.parse(t.due)));
      clock.advance(latest + 60_000 - clock.now().getTime());
      const after = parseExposition((await scrape(g.t.app)).text).samples;
      expect(total(after, 'steward_overdue_tasks')).toBe(tasks.length);
      for (const kindOfTask of new Set(tasks.map((t) => t.kind)))
        expect(total(after, 'steward_overdue_tasks', (l) => l.kind === kindOfTask)).toBe(
          tasks.filter((t) => t.kind === kindOfTask).length,
        );
    });

    it('serves only allowed addresses when no token is configured', async () => {
      const res = await g.t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.json().detail).toContain('STEWARD_METRICS_ALLOW');
      // An API token is not a metrics credential: the address rule still applies.
      const withToken = await g.t.app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '10.1.2.3',
        headers: { authorization: `Bearer ${g.t.adminToken}` },
      });
      expect(withToken.statusCode).toBe(403);
    });
  });

  describe.skipIf(skipReason(kind))('with a metrics token', () => {
    const token = 'metrics-token-0123456789abcdef';
    const t = useTestApp(kind, { metrics: { token, allow: ['127.0.0.1', '::1'] } });

    it('requires the token from every address, loopback included', async () => {
      expect((await scrape(t.app)).status).toBe(401);
      expect((await scrape(t.app, { authorization: 'Bearer wrong-token-0123456789abcdef' })).status).toBe(401);
      expect((await scrape(t.app, { authorization: `Bearer ${t.adminToken}` })).status).toBe(401);
      const ok = await scrape(t.app, { authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      expect(parseExposition(ok.text).samples.length).toBeGreaterThan(0);
    });
  });
});
