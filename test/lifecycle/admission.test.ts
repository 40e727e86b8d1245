import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { sha, useGovernedLifecycle } from '../helpers/lifecycle.ts';

// AdmissionReview requests shaped like the Kubernetes documentation's examples (the first is its
// own example of a Scale update, a kind Steward does not review).
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/admission/${name}.json`, import.meta.url), 'utf8'));

const IMAGE_DIGEST = `sha256:${'0'.repeat(62)}aa`;

type Review = {
  apiVersion: string;
  kind: string;
  response: { uid: string; allowed: boolean; status?: { code: number; message: string }; warnings?: string[] };
};

describe.each(DB_KINDS)('Kubernetes admission (%s)', (kind) => {
  describe.skipIf(skipReason(kind))('POST /admission', () => {
    const g = useGovernedLifecycle(kind, { admission: { namespaces: { 'credit-models': 'development' } } });
    const review = async (body: unknown, token?: string) => {
      const res = await call(g.t.app, { method: 'POST', url: '/api/v1/admission', body, token });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });
      return res.body as Review;
    };
    const check = async (model: string, version: number, environment: string) =>
      (
        await call(g.t.app, {
          method: 'GET',
          url: `/api/v1/check?model=${model}&version=${version}&environment=${environment}`,
        })
      ).body as { allowed: boolean; reasons: string[] };
    const admissionEvents = async () =>
      (await call(g.t.app, { method: 'GET', url: '/api/v1/audit/events?action=admission.review&limit=1000' })).body
        .items as { subject: { type: string; id: string }; after: Record<string, unknown> }[];
    const withAnnotations = (annotations: Record<string, string>, base = fixture('deployment-create')) => {
      base.request.object.metadata.annotations = annotations;
      return base;
    };

    it('denies the documentation’s Scale example with the reason, echoing its uid', async () => {
      const r = await review(fixture('scale-update'));
      expect(r.response.uid).toBe('705ab4f5-6393-11e8-b7cc-42010a800002');
      expect(r.response.allowed).toBe(false);
      expect(r.response.status?.code).toBe(403);
      expect(r.response.status?.message).toMatch(/does not review Scale \(autoscaling\).*Deployment/);
    });

    it('decides a Deployment exactly as the deployment check does, and audits it', async () => {
      const before = (await admissionEvents()).length;
      const production = await review(fixture('deployment-create'));
      const expected = await check('pd', 1, 'production');
      expect(expected.allowed).toBe(false);
      expect(production.response).toMatchObject({ uid: '2b752327-a529-4ffd-b2e2-478455e80a0d', allowed: false });
      expect(production.response.status!.message).toContain(
        `Steward: pd v1 may not run in production (GET /api/v1/check?model=pd&version=1&environment=production lists every reason): ${expected.reasons[0]}; ${expected.reasons[1]}`,
      );

      const promoted = await call(g.t.app, {
        method: 'POST',
        url: `${g.v1}/promotions`,
        token: g.as('ds'),
        body: { environment: 'development', reason: 'try it' },
      });
      expect(promoted.body.status, promoted.text).toBe('completed');
      expect(await check('pd', 1, 'development')).toEqual({ allowed: true, reasons: [] });
      const development = await review(
        withAnnotations({
          'steward.dev/model': 'pd',
          'steward.dev/version': '1',
          'steward.dev/environment': 'development',
        }),
      );
      expect(development.response.allowed).toBe(true);
      expect(development.response.status?.message).toBe('pd v1 may run in development');

      const events = (await admissionEvents()).slice(before);
      const version1 = (await call(g.t.app, { method: 'GET', url: g.v1 })).body.id;
      expect(
        events.map((e) => [{ type: e.subject.type, id: e.subject.id }, e.after.allowed, e.after.environment]),
      ).toEqual([
        [{ type: 'model-version', id: version1 }, false, 'production'],
        [{ type: 'model-version', id: version1 }, true, 'development'],
      ]);
      expect(events[0]!.after).toMatchObject({
        kind: 'apps/Deployment',
        namespace: 'credit-models',
        name: 'pd-scorer',
      });
    });

    it('identifies a Pod by its image digest and an InferenceService by its model URI', async () => {
      const created = await call(g.t.app, {
        method: 'POST',
        url: '/api/v1/models/pd/versions',
        token: g.as('ds'),
        body: { artifactUri: 's3://m/3', artifactDigest: sha(3), environment: { imageDigest: IMAGE_DIGEST } },
      });
      expect(created.status, created.text).toBe(201);
      // The namespace maps to development; version 3 has no deployment there yet.
      const pod = await review(fixture('pod-create'));
      expect(pod.response.allowed).toBe(false);
      expect(pod.response.status!.message).toMatch(
        /pd v3 may not run in development .*no completed promotion to development/,
      );
      const promoted = await call(g.t.app, {
        method: 'POST',
        url: '/api/v1/models/pd/versions/3/promotions',
        token: g.as('ds'),
        body: { environment: 'development', reason: 'try it' },
      });
      expect(promoted.body.status, promoted.text).toBe('completed');
      expect((await review(fixture('pod-create'))).response.allowed).toBe(true);

      // Version 3 records its image: an annotation naming it on a workload that runs another image is refused.
      const pinned = await review(
        withAnnotations({
          'steward.dev/model': 'pd',
          'steward.dev/version': '3',
          'steward.dev/environment': 'development',
        }),
      );
      expect(pinned.response.allowed).toBe(false);
      expect(pinned.response.status!.message).toContain(`registered with image ${IMAGE_DIGEST}`);

      const served = await review(fixture('inferenceservice-create'));
      expect(served.response.allowed).toBe(false);
      expect(served.response.status!.message).toContain('pd v2 may not run in development');
    });

    it('answers every malformed review with a denial, never an error', async () => {
      const base = fixture('deployment-create');
      const cases: [unknown, RegExp][] = [
        [[1, 2, 3], /not an AdmissionReview object/],
        [{ ...base, apiVersion: 'admission.k8s.io/v1beta1' }, /apiVersion must be admission.k8s.io\/v1/],
        [{ ...base, kind: 'Pod' }, /kind must be AdmissionReview/],
        [{ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /request is missing/],
        [{ ...base, request: { ...base.request, uid: undefined } }, /request.uid is missing/],
        [{ ...base, request: { ...base.request, kind: { version: 'v1' } } }, /request.kind is missing/],
        [{ ...base, request: { ...base.request, object: null } }, /request.object is missing for CREATE/],
        [withAnnotations({ 'steward.dev/model': 'pd' }), /annotate both steward.dev\/model and steward.dev\/version/],
        [
          withAnnotations({
            'steward.dev/model': 'pd',
            'steward.dev/version': '1; drop',
            'steward.dev/environment': 'production',
          }),
          /steward.dev\/version must be a version number/,
        ],
        [
          withAnnotations({ 'steward.dev/model': 'pd', 'steward.dev/version': '1', 'steward.dev/environment': 'prod' }),
          /steward.dev\/environment must be one of development, preproduction, production \(got 'prod'\)/,
        ],
        [
          withAnnotations({
            'steward.dev/model': 'nope',
            'steward.dev/version': '9',
            'steward.dev/environment': 'production',
          }),
          /nope v9 is not in the inventory/,
        ],
        [
          {
            ...base,
            request: { ...base.request, namespace: 'elsewhere', object: { ...base.request.object, metadata: {} } },
          },
          /no environment: annotate the workload with steward.dev\/environment/,
        ],
        [
          withAnnotations({ 'steward.dev/environment': 'production' }),
          /no model version identified: annotate steward.dev\/model and steward.dev\/version/,
        ],
      ];
      for (const [body, reason] of cases) {
        const r = await review(body);
        expect(r.response.allowed, JSON.stringify(body).slice(0, 200)).toBe(false);
        expect(r.response.status!.message).toMatch(reason);
      }
      // The uid is echoed whenever there is one, even on a refusal.
      expect((await review({ ...base, kind: 'Pod' })).response.uid).toBe(base.request.uid);

      const malformed = await g.t.app.inject({
        method: 'POST',
        url: '/api/v1/admission',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${g.t.adminToken}` },
        payload: '{"apiVersion":',
      });
      expect(malformed.statusCode).toBe(400);
      expectProblem(
        await call(g.t.app, { method: 'POST', url: '/api/v1/admission', body: base, token: '' }),
        401,
        'unauthenticated',
      );
    });

    it('lets deletions, dry runs and declared exemptions through, auditing the exemption', async () => {
      const deletion = fixture('deployment-create');
      deletion.request.operation = 'DELETE';
      deletion.request.object = null;
      expect((await review(deletion)).response).toEqual({ uid: deletion.request.uid, allowed: true });

      const before = (await admissionEvents()).length;
      const dry = fixture('deployment-create');
      dry.request.dryRun = true;
      expect((await review(dry)).response.allowed).toBe(false);
      expect((await admissionEvents()).length).toBe(before);

      const exempt = await review(withAnnotations({ 'steward.dev/exempt': 'metrics exporter, serves no model' }));
      expect(exempt.response).toMatchObject({
        allowed: true,
        warnings: ['admitted without a model check: metrics exporter, serves no model'],
      });
      expect((await admissionEvents()).at(-1)).toMatchObject({
        subject: { type: 'workload', id: 'credit-models/pd-scorer' },
        after: { allowed: true, exempt: 'metrics exporter, serves no model' },
      });
      expect((await review(withAnnotations({ 'steward.dev/exempt': '  ' }))).response.allowed).toBe(false);
    });
  });
});
