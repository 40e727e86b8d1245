import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, useCaseBody } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { DAY, seedDriftAndDecay, useMonitoredVersion } from '../helpers/monitoring.ts';
import { adHocAnalysis } from '../helpers/policy.ts';

describe.each(DB_KINDS)('production monitoring: alerts and incidents on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const m = useMonitoredVersion(kind);
    const { t, tok, received } = m;
    let useCase = '';
    beforeAll(async () => {
      useCase = m.useCase;
      await seedDriftAndDecay(m);
    });

    it('acknowledges and resolves alerts with who and when, refusing repeats and outsiders', async () => {
      const [alert] = (
        await call(t.app, { method: 'GET', url: '/api/v1/alerts?model=pd&version=1' })
      ).body.items.filter((a: { rule: string }) => a.rule === 'input-drift');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/alerts/${alert.id}/acknowledge`,
          token: tok.outsider,
          body: {},
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/alerts/00000000-0000-4000-8000-000000000000/acknowledge',
          token: tok.prod,
          body: {},
        }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/alerts/${alert.id}/acknowledge`,
          token: tok.prod,
          body: { note: 1 },
        }),
        400,
        'validation_failed',
      );
      const ack = await call(t.app, {
        method: 'POST',
        url: `/api/v1/alerts/${alert.id}/acknowledge`,
        token: tok.prod,
        body: { note: 'looking into the APAC campaign' },
      });
      expect(ack.body).toMatchObject({
        state: 'acknowledged',
        acknowledged: { by: expect.any(String) },
        note: 'looking into the APAC campaign',
      });
      expectProblem(
        await call(t.app, { method: 'POST', url: `/api/v1/alerts/${alert.id}/acknowledge`, token: tok.prod, body: {} }),
        409,
        'conflict',
      );
      const resolved = await call(t.app, {
        method: 'POST',
        url: `/api/v1/alerts/${alert.id}/resolve`,
        token: tok.prod,
        body: {},
      });
      expect(resolved.body).toMatchObject({ state: 'resolved', resolved: { by: expect.any(String) } });
      expectProblem(
        await call(t.app, { method: 'POST', url: `/api/v1/alerts/${alert.id}/resolve`, token: tok.prod, body: {} }),
        409,
        'conflict',
      );
      expect(
        (await call(t.app, { method: 'GET', url: `/api/v1/alerts?state=resolved&useCase=${useCase}` })).body.items.map(
          (a: { id: string }) => a.id,
        ),
      ).toContain(alert.id);
    });

    it('escalates an alert to an incident with its Art. 73 reporting deadline, then reports and closes it', async () => {
      const [alert] = (await call(t.app, { method: 'GET', url: '/api/v1/alerts?model=pd&version=1&state=all' })).body
        .items;
      const awareAt = new Date(Date.now() - DAY).toISOString();
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/alerts/${alert.id}/incidents`,
          token: tok.prod,
          body: { title: 't', severity: 'catastrophic' },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/alerts/${alert.id}/incidents`,
          token: tok.prod,
          body: { title: 't', severity: 'serious', awareAt: new Date(Date.now() + DAY).toISOString() },
        }),
        400,
        'validation_failed',
      );
      const opened = await call(t.app, {
        method: 'POST',
        url: `/api/v1/alerts/${alert.id}/incidents`,
        token: tok.prod,
        body: {
          title: 'Wrongful refusals',
          description: 'A refused applicant died waiting for care financing',
          severity: 'serious',
          category: 'death',
          awareAt,
        },
      });
      expect(opened.status, opened.text).toBe(201);
      expect(opened.body).toMatchObject({
        alertId: alert.id,
        category: 'death',
        reportDueAt: new Date(Date.parse(awareAt) + 10 * DAY).toISOString(),
        overdue: false,
        state: 'open',
      });
      const reported = await call(t.app, {
        method: 'POST',
        url: `/api/v1/incidents/${opened.body.id}/report`,
        token: tok.prod,
        body: { reference: 'MSA-2026-0042' },
      });
      expect(reported.body).toMatchObject({ state: 'reported', reported: { reference: 'MSA-2026-0042' } });
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/incidents/${opened.body.id}/report`,
          token: tok.prod,
          body: {},
        }),
        409,
        'conflict',
      );
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: `/api/v1/incidents/${opened.body.id}/close`,
            token: tok.prod,
            body: {},
          })
        ).body.state,
      ).toBe('closed');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/incidents/${opened.body.id}/close`,
          token: tok.prod,
          body: {},
        }),
        409,
        'conflict',
      );
      // Art. 73 covers high-risk systems only.
      const adhoc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('adhoc', { ownerTeam: 'lending' }),
        })
      ).body.id;
      expect(
        (
          await call(t.app, {
            method: 'PUT',
            url: `/api/v1/use-cases/${adhoc}/assessment`,
            body: { answers: adHocAnalysis },
          })
        ).status,
      ).toBe(200);
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${adhoc}/incidents`,
          token: tok.prod,
          body: { title: 't', severity: 'minor', category: 'standard' },
        }),
        400,
        'validation_failed',
      );
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: `/api/v1/use-cases/${adhoc}/incidents`,
            token: tok.prod,
            body: { title: 'Dashboard outage', severity: 'minor' },
          })
        ).body,
      ).toMatchObject({ category: null, reportDueAt: null });
      expect(
        (await call(t.app, { method: 'GET', url: `/api/v1/incidents?useCase=${useCase}` })).body.items,
      ).toHaveLength(1);
    });

    it('publishes alerts to the event stream with whom the RACI says to inform, delivered to webhooks', async () => {
      for (let i = 0; i < 200 && !received.some((r) => r.event === 'alert.open'); i++)
        await new Promise((r) => setTimeout(r, 25));
      const delivered = received.find(
        (r) => r.event === 'alert.open' && r.body.event?.after?.alert?.rule === 'input-drift',
      );
      expect(delivered?.body.event.after.notify).toEqual(
        expect.arrayContaining([{ role: 'business-stakeholder', raci: 'I' }]),
      );
      expect(received.some((r) => r.event === 'alert.acknowledge')).toBe(true);
      expect(received.every((r) => r.event.startsWith('alert.') || r.event.startsWith('incident.'))).toBe(true);
      const events = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=alert.open' })).body.items;
      const drift = events.find((e: { after: { alert: { rule: string } } }) => e.after.alert.rule === 'input-drift');
      expect(drift.after.notify).toEqual(
        expect.arrayContaining([
          { role: 'business-stakeholder', raci: 'I' },
          { role: 'business-analyst', raci: 'C' },
        ]),
      );
      expect(drift.after.tasks).toEqual([expect.objectContaining({ role: 'production', raci: 'A/R' })]);
    });
  });
});
