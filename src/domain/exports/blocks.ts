import type { Block, ResolvedSection } from './document.ts';
import type {
  DatasetUse,
  DocumentSummary,
  DossierFinding,
  EvaluationSummary,
  Signer,
  VersionDossier,
} from './dossier.ts';

/** Shared pieces of the generated documents: each turns part of the record into blocks. */

export const NOT_RECORDED = 'Not recorded.';

/** A number as documents print it: up to four significant decimals, `n/a` for null. */
export const num = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : String(Math.round(x * 10_000) / 10_000);

export const missing = (what: string): Block => ({ kind: 'missing', text: `${NOT_RECORDED} ${what}` });

export const text = (t: string): Block => ({ kind: 'text', text: t });

/** Recorded documents of the section's kinds, quoted; `missing` when there are none. */
export function quoted(section: ResolvedSection, documents: DocumentSummary[], none: string): Block[] {
  const kinds = section.documentKinds ?? [];
  const found = documents.filter((d) => kinds.includes(d.kind));
  if (found.length === 0)
    return [missing(`${none} (no recorded document of kind ${kinds.map((k) => `'${k}'`).join(' or ')}).`)];
  return found.map((d) =>
    d.content !== null
      ? { kind: 'quote', title: `${d.title} (${d.kind}, ${d.contentHash})`, text: d.content }
      : { kind: 'fields', rows: [[`${d.title} (${d.kind})`, `${d.uri ?? 'no link'} (${d.contentHash})`]] },
  );
}

export function datasetBlocks(datasets: DatasetUse[]): Block[] {
  if (datasets.length === 0) return [missing('The version names no training or evaluation datasets.')];
  return [
    {
      kind: 'table',
      head: ['dataset', 'version', 'role', 'digest', 'rows', 'personal data', 'legal region'],
      rows: datasets.map((d) => [
        d.name,
        String(d.version),
        d.role,
        d.digest,
        d.rowCount === null ? 'n/a' : String(d.rowCount),
        d.personalData
          ? `yes (${d.piiColumns.map((c) => `${c.column}: ${c.kind}`).join(', ')})`
          : 'no personal data flagged',
        d.legalRegion ?? 'n/a',
      ]),
    },
    ...datasets
      .filter((d) => d.provenance)
      .map((d): Block => ({
        kind: 'fields',
        rows: [
          [`${d.name} v${d.version}: collected by`, d.provenance!.method],
          ['source', d.provenance!.source],
          ...(d.provenance!.lawfulBasis ? [['lawful basis', d.provenance!.lawfulBasis] as [string, string]] : []),
          ...(d.protectedColumns.length > 0
            ? [['protected attributes', d.protectedColumns.join(', ')] as [string, string]]
            : []),
        ],
      })),
  ];
}

/** The latest evaluation: the one documents report on. */
export const latestEvaluation = (v: VersionDossier): EvaluationSummary | undefined => v.evaluations.at(-1);

export function performanceBlocks(v: VersionDossier): Block[] {
  const blocks: Block[] = [];
  const e = latestEvaluation(v);
  if (e) {
    blocks.push(
      text(
        `Evaluation ${e.id} (${e.task}, ${e.rows ?? 'n/a'} rows, data ${e.dataDigest ?? 'n/a'}, recorded ${e.createdAt}; evidence ${e.contentHash}).`,
      ),
      {
        kind: 'table',
        head: ['metric', 'value'],
        rows: Object.entries(e.performance).map(([k, x]) => [k, num(x)]),
      },
    );
  } else blocks.push(missing('No evaluation was recorded for this version.'));
  const snapshot = Object.entries(v.version.metrics);
  if (snapshot.length > 0)
    blocks.push(text('Metrics recorded with the version at registration:'), {
      kind: 'table',
      head: ['metric', 'value'],
      rows: snapshot.map(([k, x]) => [k, num(x)]),
    });
  return blocks;
}

export function fairnessBlocks(v: VersionDossier): Block[] {
  const e = latestEvaluation(v);
  if (!e || e.fairness.length === 0)
    return [missing('No evaluation by group (sensitive attributes) was recorded for this version.')];
  return e.fairness.flatMap((f): Block[] => [
    {
      kind: 'bars',
      title: `${f.metric} by ${f.attribute} (overall ${num(f.overall)}, difference ${num(f.difference)}, ratio ${num(f.ratio)})`,
      bars: f.groups.map((g) => ({ label: g.group, value: g.value })),
    },
  ]);
}

export function explanationBlocks(v: VersionDossier): Block[] {
  const e = [...v.evaluations].reverse().find((x) => x.importances.length > 0);
  if (!e) return [missing('No explanation (global feature importance) was recorded for this version.')];
  return [
    {
      kind: 'bars',
      title: `Global importance (mean |Shapley value|), evaluation ${e.id}`,
      bars: e.importances.map((i) => ({ label: i.feature, value: i.value })),
    },
  ];
}

export function signatureTable(signers: Signer[], none: string): Block[] {
  if (signers.length === 0) return [missing(none)];
  return [
    {
      kind: 'table',
      head: ['printed name', 'role', 'meaning', 'step', 'signed at (UTC)', 'status'],
      rows: signers.map((s) => [s.name, s.role, s.meaning, s.step, s.signedAt, s.status]),
    },
  ];
}

export function deploymentBlocks(v: VersionDossier): Block[] {
  const blocks: Block[] = [
    {
      kind: 'fields',
      rows: [
        ['stage', v.version.stage],
        ['lifecycle step', v.lifecycle.step ?? 'not governed'],
        ['aliases', v.version.aliases.join(', ') || 'none'],
      ],
    },
  ];
  blocks.push(
    v.deployments.length === 0
      ? missing('The version has no recorded deployment.')
      : {
          kind: 'table',
          head: ['environment', 'mode', 'since', 'until', 'verified by'],
          rows: v.deployments.map((d) => [
            d.environment,
            d.mode,
            d.since,
            d.until ?? 'active',
            d.verifiedBy ?? 'not verified',
          ]),
        },
  );
  blocks.push(
    v.monitoring.alerts.length === 0
      ? text('No monitoring alerts were raised for this version.')
      : {
          kind: 'table',
          head: ['alert rule', 'severity', 'status', 'opened'],
          rows: v.monitoring.alerts.map((a) => [a.rule, a.severity, a.status, a.openedAt]),
        },
  );
  if (v.monitoring.incidents.length > 0)
    blocks.push({
      kind: 'table',
      head: ['incident', 'severity', 'status', 'opened'],
      rows: v.monitoring.incidents.map((i) => [i.title, i.severity, i.status, i.openedAt]),
    });
  return blocks;
}

/**
 * The findings section: open ones only (a model card), or every finding with its severity and how
 * it was closed (a validation report).
 */
export function findingsBlocks(findings: DossierFinding[] | null, which: 'open' | 'all'): Block[] {
  if (findings === null) return [missing('Findings were not gathered for this document.')];
  const shown = which === 'open' ? findings.filter((f) => f.status !== 'closed') : findings;
  if (shown.length === 0) return [text(which === 'open' ? 'No open findings.' : 'No findings were raised.')];
  return [
    {
      kind: 'table',
      head: ['severity', 'finding', 'on', 'status', 'owner', 'due', 'remediation'],
      rows: shown.map((f) => [
        f.severity,
        f.title,
        f.on,
        f.closedAt ? `closed ${f.closedAt.slice(0, 10)}` : f.status,
        f.owner,
        f.dueDate,
        f.remediation,
      ]),
    },
  ];
}

export function requirementBlocks(v: VersionDossier): Block[] {
  if (v.lifecycle.requirements.length === 0) return [missing('The version is not governed by a policy yet.')];
  return [
    {
      kind: 'table',
      head: ['measure', 'title', 'status'],
      rows: v.lifecycle.requirements.map((r) => [r.measure, r.title, r.status]),
    },
  ];
}
