import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { pdfText } from '../helpers/exports.ts';
import { governedPath } from '../helpers/governed-path.ts';

describe.each(DB_KINDS)('generated model cards, validation reports and Annex IV files on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending'] });
    const path = governedPath(() => t.app);
    const { tok, v } = path;
    let signers: string[] = [];
    const get = (url: string, token?: string) =>
      t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token ?? t.adminToken}` } });

    beforeAll(async () => {
      await path.seed();
      await path.drive();
      const sigs = (await call(t.app, { method: 'GET', url: `${v}/signatures` })).body.items as {
        signer: { name: string };
      }[];
      const caseSigs = (await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${path.useCaseId}/signatures` }))
        .body.items as { signer: { name: string } }[];
      signers = [...new Set([...sigs, ...caseSigs].map((s) => s.signer.name))];
      expect(signers.length).toBeGreaterThan(2);
    }, 120_000);

    it('renders the model card as a PDF with embedded fonts, metadata and extractable text', async () => {
      const res = await get(`${v}/exports/model-card?format=pdf&download=true`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toBe('attachment; filename="scorecard-v1-model-card.pdf"');
      const digest = res.headers['x-steward-inputs-digest'] as string;
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const pdf = res.rawPayload;
      expect(pdf.subarray(0, 8).toString('latin1')).toMatch(/^%PDF-1\.7/);
      expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
      const raw = pdf.toString('latin1');
      expect(raw).toMatch(/\/FontFile2/);
      expect(raw).toMatch(/\/Title \d+ 0 R/);
      expect(raw).toContain('(Model card: scorecard version 1)');
      expect(raw).toContain(`(steward, model-card, steward/`);
      expect(raw).toContain(digest);
      const text = pdfText(pdf);
      expect(text).toContain('scorecard');
      expect(text).toContain('Tier 4');
      for (const name of signers) expect(text).toContain(name);
      // What the record does not hold is said, not invented.
      expect(text).toContain('No open findings.');
    });

    it('renders Markdown and self-contained HTML from the same record, with the same inputs digest', async () => {
      const md = await get(`${v}/exports/model-card?format=md`);
      const html = await get(`${v}/exports/model-card?format=html`);
      expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
      expect(md.headers['x-steward-inputs-digest']).toBe(html.headers['x-steward-inputs-digest']);
      expect(md.body).toMatch(/^# Model card: scorecard version 1/);
      expect(md.body).toContain('- **Tier:** Tier 4');
      expect(md.body).toContain('## Fairness by group');
      expect(md.body).toMatch(/selection_rate by sex/);
      // The governed path ran a robustness test: its drops per level are in the card.
      expect(md.body).toContain('## Robustness');
      expect(md.body).toMatch(/\| robustness\.auc-drop@0\.1sd \| -?\d/);
      for (const name of signers) expect(md.body).toContain(name);
      expect(html.headers['content-disposition']).toBe('inline; filename="scorecard-v1-model-card.html"');
      expect(html.body).toMatch(/^<!doctype html>/);
      expect(html.body).toContain('<svg');
      expect(html.body).not.toMatch(/<script|<link|src=|href=/i);
      expect(html.body).toContain('@media print');
    });

    it('renders the validation report with the validators signatures and what is not recorded', async () => {
      const md = (await get(`${v}/exports/validation-report?format=md`)).body;
      expect(md).toMatch(/^# Independent model validation report: scorecard version 1/);
      for (const section of ['Conceptual soundness', 'Outcomes analysis', 'Benchmarking', 'Findings', 'Conclusion'])
        expect(md).toContain(`## ${section}`);
      expect(md).toContain('No champion/challenger comparison is recorded for this version.');
      expect(md).toMatch(/\| User rita \| risk-audit \| approve \|/);
      expect(md).toMatch(/\| User ravi \| risk-audit \| approve \|/);
    });

    it('fills each Annex IV point of the use case from the record', async () => {
      const res = await get(`/api/v1/use-cases/${path.useCaseId}/exports/annex-iv?format=md`);
      expect(res.statusCode, res.body).toBe(200);
      for (let point = 1; point <= 9; point++) expect(res.body).toMatch(new RegExp(`^## ${point}\\. `, 'm'));
      expect(res.body).toContain('| scorecard | 1 |');
      expect(res.body).toContain("no recorded document of kind 'eu-declaration-of-conformity'");
      // The use case's name works as its reference, as elsewhere.
      expect((await get('/api/v1/use-cases/scorecard/exports/annex-iv?format=pdf')).statusCode).toBe(200);
    });

    it('stores a generated document as evidence that goes stale when its inputs change', async () => {
      const stored = await call(t.app, {
        method: 'POST',
        url: `${v}/exports/model-card`,
        token: tok.dana,
      });
      expect(stored.status, stored.text).toBe(201);
      expect(stored.body.stored.kind).toBe('generated-model-documentation');
      const evidence = (await call(t.app, { method: 'GET', url: `${v}/evidence` })).body.items as { id: string }[];
      expect(evidence.map((e) => e.id)).toContain(stored.body.stored.id);
      const status = async () => (await call(t.app, { method: 'GET', url: `${v}/exports` })).body;
      expect((await status()).stored).toEqual([
        expect.objectContaining({ id: stored.body.stored.id, document: 'model-card', status: 'current' }),
      ]);
      // A new document of the version changes the record the card was made from.
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: `${v}/documents`,
            token: tok.dana,
            body: { kind: 'limitations', title: 'Known limitations', content: 'Not for applicants under 21.' },
          })
        ).status,
      ).toBe(201);
      const after = await status();
      expect(after.stored).toEqual([expect.objectContaining({ id: stored.body.stored.id, status: 'stale' })]);
      expect(after.inputsDigest).not.toBe(stored.body.inputsDigest);
      // The Annex IV file is stored on the use case, by someone who may write it.
      const annex = await call(t.app, {
        method: 'POST',
        url: `/api/v1/use-cases/${path.useCaseId}/exports/annex-iv`,
        token: tok.olga,
      });
      expect(annex.status, annex.text).toBe(201);
      expect(annex.body.stored.kind).toBe('annex-iv-technical-documentation');
      const docs = (await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${path.useCaseId}/lifecycle` })).body
        .documents as { id: string }[];
      expect(docs.map((d) => d.id)).toContain(annex.body.stored.id);
      // And the new card quotes it.
      expect((await get(`${v}/exports/model-card?format=md`)).body).toContain('Not for applicants under 21.');
      const audit = await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=export.generate' });
      expect(audit.body.items).toContainEqual(
        expect.objectContaining({
          after: expect.objectContaining({ document: 'model-card', format: 'md', stored: stored.body.stored }),
        }),
      );
    });

    it('refuses bad formats, unknown subjects and storing without write permission', async () => {
      expectProblem(
        await call(t.app, { method: 'GET', url: `${v}/exports/model-card?format=docx` }),
        400,
        'validation_failed',
      );
      expectProblem(await call(t.app, { method: 'GET', url: `${v}/exports/risk-card` }), 400, 'validation_failed');
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/scorecard/versions/7/exports/model-card' }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'GET',
          url: '/api/v1/use-cases/00000000-0000-4000-8000-000000000000/exports/annex-iv',
        }),
        404,
        'not_found',
      );
      const viewer = await seedUser(t.app, 'vera', [{ scope: 'lending', role: 'viewer' }]);
      const before = (await call(t.app, { method: 'GET', url: `${v}/evidence` })).body.items.length;
      expect((await get(`${v}/exports/validation-report?format=md`, viewer)).statusCode).toBe(200);
      expectProblem(
        await call(t.app, { method: 'POST', url: `${v}/exports/model-card`, token: viewer }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: `${v}/exports/model-card?store=true`, token: viewer }),
        403,
        'forbidden',
      );
      // Without read access the answer is 403 whether or not the version exists.
      const nobody = await seedUser(t.app, 'nobody', []);
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/scorecard/versions/7/exports/model-card',
          token: nobody,
        }),
        403,
        'forbidden',
      );
      // Nothing half-written: no evidence stored, no export audited for the refused attempts.
      expect((await call(t.app, { method: 'GET', url: `${v}/evidence` })).body.items.length).toBe(before);
    });
  });
});
