import { buildDocument } from '../../src/domain/exports/documents.ts';
import type { VersionDossier } from '../../src/domain/exports/dossier.ts';
import { renderHtml } from '../../src/domain/exports/html.ts';
import { renderPdf } from '../../src/features/exports/pdf.ts';

/** A version record of realistic size: 3 datasets, 4 evaluations by 2 attributes, 12 signatures, 6 documents. */
function dossier(i: number): VersionDossier {
  const groups = ['F', 'M', 'X'].map((g, k) => ({ group: g, value: 0.5 + k / 10 }));
  return {
    kind: 'model-version',
    model: { name: `scorecard-${i}`, description: 'probability of default', tags: {} },
    version: {
      id: `0192f0c4-7d1e-7000-8000-${String(i).padStart(12, '0')}`,
      version: 1,
      artifactUri: 's3://models/scorecard/1/model.onnx',
      artifactDigest: `sha256:${'ab'.repeat(32)}`,
      framework: 'xgboost',
      params: { max_depth: 6, learning_rate: 0.1, n_estimators: 400 },
      metrics: { auc: 0.91 },
      code: { repository: 'https://git.example.org/credit', commit: 'a1b2c3d4e5f6' },
      environment: { imageDigest: `sha256:${'cd'.repeat(32)}` },
      documentation: [],
      description: 'gradient boosted trees on bureau and application data',
      stage: 'production',
      createdAt: '2026-06-01T10:00:00.000Z',
      createdBy: null,
      aliases: ['champion'],
    },
    useCase: {
      id: 'uc',
      name: 'credit-scoring',
      objective: 'Decide consumer credit applications within policy.',
      ownerTeam: 'lending',
      consumers: 'public',
      regions: ['EU'],
      sector: 'finance',
      processesPersonalData: true,
      kpis: [{ name: 'approval-rate', target: 0.8 }],
    },
    assessment: {
      tier: 4,
      assessedTier: 4,
      euAiAct: 'high-risk',
      tags: ['gdpr', 'eu-ai-act'],
      policy: { name: 'default', version: '1.0.0' },
      reviewBy: '2027-06-01',
      trace: [
        { rule: 'credit-is-high-risk', description: 'Creditworthiness of natural persons (Annex III 5(b))', tier: 4 },
      ],
      override: null,
      answers: {},
    },
    datasets: ['train', 'test', 'oot'].map((role, k) => ({
      name: `loans-${role}`,
      version: k + 1,
      role,
      digest: `sha256:${String(k).repeat(64)}`,
      rowCount: 100_000,
      uri: null,
      legalRegion: 'EU',
      provenance: { method: 'nightly export', source: 'core banking', lawfulBasis: 'contract' },
      personalData: true,
      piiColumns: [{ column: 'customer_id', kind: 'direct-identifier' }],
      protectedColumns: ['sex', 'age'],
    })),
    evaluations: Array.from({ length: 4 }, (_, k) => ({
      id: `e${k}`,
      contentHash: `sha256:${'ef'.repeat(32)}`,
      createdAt: '2026-06-02T10:00:00.000Z',
      task: 'binary-classification',
      rows: 50_000,
      dataDigest: null,
      performance: { accuracy: 0.87, precision: 0.8, recall: 0.75, f1: 0.77, rocAuc: 0.91 },
      fairness: ['sex', 'age_band'].flatMap((attribute) =>
        ['selection_rate', 'tpr', 'fpr', 'accuracy'].map((metric) => ({
          attribute,
          metric,
          overall: 0.6,
          groups,
          difference: 0.2,
          ratio: 0.71,
        })),
      ),
      importances: ['income', 'debt_ratio', 'age', 'tenure', 'utilisation'].map((feature, j) => ({
        feature,
        value: 1 / (j + 1),
      })),
    })),
    documents: ['limitations', 'harm-assessment', 'model-design', 'experiment-log', 'dpia', 'out-of-scope-uses'].map(
      (kind) => ({
        id: kind,
        kind,
        title: kind,
        contentHash: `sha256:${'12'.repeat(32)}`,
        createdAt: '2026-06-01T10:00:00.000Z',
        content: `# ${kind}\n\n${'A paragraph of considered text about the model. '.repeat(12)}`,
        uri: null,
      }),
    ),
    robustness: null,
    challengers: null,
    findings: null,
    lifecycle: { step: 'monitoring', requirements: [] },
    signatures: Array.from({ length: 12 }, (_, k) => ({
      name: `Signer ${k}`,
      username: `s${k}`,
      role: k % 2 ? 'risk-audit' : 'business-stakeholder',
      meaning: 'approve',
      step: 'preproduction',
      signedAt: '2026-06-03T10:00:00.000Z',
      comment: '',
      status: 'valid',
    })),
    useCaseSignatures: [],
    deployments: [
      {
        environment: 'production',
        mode: 'replicated',
        since: '2026-06-04T10:00:00.000Z',
        until: null,
        verifiedBy: 'pete',
      },
    ],
    monitoring: { alerts: [], incidents: [] },
  };
}

/** Model-card PDF generation per version (ms), beside the HTML rendering of the same document. */
export async function documentBench(versions: number): Promise<{ pdfMs: number; htmlMs: number; pdfBytes: number }> {
  const docs = Array.from({ length: versions }, (_, i) =>
    buildDocument('model-card', dossier(i), undefined, 'steward/bench'),
  );
  await renderPdf(docs[0]!); // warm-up: font parsing, JIT
  let t = performance.now();
  let bytes = 0;
  for (const d of docs) bytes += (await renderPdf(d)).length;
  const pdfMs = (performance.now() - t) / versions;
  t = performance.now();
  for (const d of docs) renderHtml(d);
  const htmlMs = (performance.now() - t) / versions;
  return { pdfMs, htmlMs, pdfBytes: bytes / versions };
}
