import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { seedDriftAndDecay, useMonitoredVersion } from '../helpers/monitoring.ts';

describe.each(DB_KINDS)('alerts named and escalated once on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const m = useMonitoredVersion(kind);
    const { t, tok } = m;
    beforeAll(() => seedDriftAndDecay(m));

    const alertsOfPd = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/alerts?model=pd&version=1&state=all' })).body.items;

    it('names the use case, model and version of each alert', async () => {
      const [a] = await alertsOfPd();
      expect(a).toMatchObject({ useCase: 'credit', model: 'pd', version: 1, incident: null });
      expect((await call(t.app, { method: 'GET', url: `/api/v1/alerts/${a.id}` })).body).toMatchObject({
        model: 'pd',
        version: 1,
      });
    });

    it('opens one incident per alert: a second, even concurrent, is refused naming the first', async () => {
      const [a] = await alertsOfPd();
      const open = (title: string) =>
        call(t.app, {
          method: 'POST',
          url: `/api/v1/alerts/${a.id}/incidents`,
          token: tok.prod,
          body: { title, description: 'from the alert', severity: 'minor' },
        });
      // A double click: two requests at once, one wins.
      const [first, second] = await Promise.all([open('Input drift on pd v1'), open('Input drift on pd v1')]);
      const statuses = [first.status, second.status].sort();
      expect(statuses).toEqual([201, 409]);
      const created = first.status === 201 ? first : second;
      const refused = first.status === 201 ? second : first;
      expectProblem(refused, 409, 'conflict');
      expect(refused.body.detail).toContain("'Input drift on pd v1'");
      expect(refused.body.incident).toMatchObject({ id: created.body.id, state: 'open' });
      // The outsider learns nothing about the incident: refused before.
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/alerts/${a.id}/incidents`,
          token: tok.outsider,
          body: { title: 'x', severity: 'minor' },
        }),
        403,
        'forbidden',
      );
      const incidents = (await call(t.app, { method: 'GET', url: '/api/v1/incidents?limit=500' })).body.items;
      expect(incidents.filter((i: { alertId: string }) => i.alertId === a.id)).toHaveLength(1);
      // The alert shows its incident.
      expect((await call(t.app, { method: 'GET', url: `/api/v1/alerts/${a.id}` })).body.incident).toMatchObject({
        id: created.body.id,
        title: 'Input drift on pd v1',
        severity: 'minor',
        state: 'open',
      });
      // Closed, the incident no longer blocks a new one for the same alert (the drift came back).
      await call(t.app, {
        method: 'POST',
        url: `/api/v1/incidents/${created.body.id}/close`,
        token: tok.prod,
        body: {},
      });
      const again = await open('Input drift on pd v1, again');
      expect(again.status, again.text).toBe(201);
      expect((await call(t.app, { method: 'GET', url: `/api/v1/alerts/${a.id}` })).body.incident).toMatchObject({
        id: again.body.id,
        state: 'open',
      });
    });
  });
});
