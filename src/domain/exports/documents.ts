import {
  datasetBlocks,
  deploymentBlocks,
  explanationBlocks,
  fairnessBlocks,
  findingsBlocks,
  latestEvaluation,
  missing,
  num,
  performanceBlocks,
  quoted,
  requirementBlocks,
  signatureTable,
  text,
} from './blocks.ts';
import {
  resolveTemplate,
  type Block,
  type DocumentKind,
  type DocumentTemplate,
  type GeneratedDocument,
  type ResolvedSection,
} from './document.ts';
import { inputsDigest, type Dossier, type UseCaseDossier, type VersionDossier } from './dossier.ts';

function intendedUse(v: Pick<VersionDossier, 'useCase'>): Block[] {
  const u = v.useCase;
  return [
    text(u.objective),
    {
      kind: 'fields',
      rows: [
        ['use case', u.name],
        ['owner team', u.ownerTeam],
        ['users of its results', u.consumers],
        ['regions', u.regions.join(', ') || 'n/a'],
        ['sector', u.sector],
        ['processes personal data', u.processesPersonalData ? 'yes' : 'no'],
        ...u.kpis.map((k): [string, string] => [
          `KPI ${k.name}`,
          k.target === undefined ? '' : `target ${String(k.target)}${k.unit ? ` ${k.unit}` : ''}`,
        ]),
      ],
    },
  ];
}

function tierBlocks(d: Pick<VersionDossier, 'assessment'>): Block[] {
  const a = d.assessment;
  if (!a) return [missing('The use case has no risk assessment.')];
  return [
    {
      kind: 'fields',
      rows: [
        [
          'criticality tier',
          `${a.tier}${a.override ? ` (overridden from ${a.assessedTier}: ${a.override.reason})` : ''}`,
        ],
        ['EU AI Act category', a.euAiAct],
        ['tags', a.tags.join(', ') || 'none'],
        ['policy pack', `${a.policy.name} ${a.policy.version}`],
        ['review by', a.reviewBy],
      ],
    },
    {
      kind: 'table',
      head: ['rule', 'why', 'tier', 'EU AI Act'],
      rows: a.trace.map((r) => [r.rule, r.description, r.tier === undefined ? '' : String(r.tier), r.euAiAct ?? '']),
    },
  ];
}

function modelDetails(v: VersionDossier): Block[] {
  const x = v.version;
  return [
    ...(x.description ? [text(x.description)] : []),
    {
      kind: 'fields',
      rows: [
        ['model', v.model.name],
        ['version', String(x.version)],
        ['artefact', x.artifactUri],
        ['artefact digest', x.artifactDigest ?? 'not recorded'],
        ['framework', x.framework ?? 'not recorded'],
        [
          'code',
          x.code ? `${x.code.repository} @ ${x.code.commit}${x.code.path ? ` (${x.code.path})` : ''}` : 'not recorded',
        ],
        ['environment image', x.environment?.imageDigest ?? 'not recorded'],
        ['environment lockfile', x.environment?.lockfileDigest ?? 'not recorded'],
        ['registered', `${x.createdAt}${x.createdBy ? ` by ${x.createdBy}` : ''}`],
      ],
    },
    ...(Object.keys(x.params).length > 0
      ? [
          {
            kind: 'table',
            head: ['parameter', 'value'],
            rows: Object.entries(x.params).map(([k, p]) => [k, String(p)]),
          } as Block,
        ]
      : []),
  ];
}

const versionSection = (v: VersionDossier, s: ResolvedSection, kind: DocumentKind): Block[] => {
  switch (`${kind}:${s.id}`) {
    case 'model-card:intended-use':
      return intendedUse(v);
    case 'model-card:out-of-scope':
      return quoted(s, v.documents, 'No out-of-scope uses were recorded');
    case 'model-card:risk-tier':
      return tierBlocks(v);
    case 'model-card:model-details':
      return modelDetails(v);
    case 'model-card:data':
    case 'validation-report:data':
      return datasetBlocks(v.datasets);
    case 'model-card:performance':
      return performanceBlocks(v);
    case 'model-card:fairness':
      return fairnessBlocks(v);
    case 'model-card:explanations':
      return explanationBlocks(v);
    case 'model-card:robustness':
    case 'validation-report:sensitivity':
      return v.robustness === null || v.robustness.length === 0
        ? [missing('No robustness or sensitivity analysis is recorded for this version.')]
        : [
            {
              kind: 'table',
              head: ['run (evidence)', 'metric', 'value'],
              // Each run's overall drops at each perturbation level: what the policy checks read.
              rows: v.robustness.flatMap((r) =>
                Object.entries(r.metrics)
                  .filter(([m]) => m.startsWith('robustness.') && !m.startsWith('robustness.worst-group.'))
                  .map(([m, value]) => [r.id, m, value === null ? 'n/a' : String(Number(value.toPrecision(4)))]),
              ),
            },
          ];
    case 'model-card:limitations':
    case 'validation-report:limitations':
      return quoted(s, v.documents, 'No limitations were recorded');
    case 'model-card:ethical-considerations':
      return quoted(s, v.documents, 'No ethical considerations were recorded');
    case 'model-card:approvals':
      return signatureTable([...v.useCaseSignatures, ...v.signatures], 'No one has signed this version.');
    case 'model-card:deployment-monitoring':
      return deploymentBlocks(v);
    case 'model-card:findings':
      return findingsBlocks(v.findings, 'open');
    case 'validation-report:findings':
      return findingsBlocks(v.findings, 'all');
    case 'validation-report:scope':
      return [
        text(`Validation of ${v.model.name} version ${v.version.version} for use case ${v.useCase.name}.`),
        ...tierBlocks(v),
        ...modelDetails(v),
      ];
    case 'validation-report:conceptual-soundness':
      return quoted(s, v.documents, 'No design or methodology documents were recorded');
    case 'validation-report:outcomes':
      return [...performanceBlocks(v), ...fairnessBlocks(v)];
    case 'validation-report:benchmarking':
      return v.challengers === null || v.challengers.length === 0
        ? [missing('No champion/challenger comparison is recorded for this version.')]
        : [{ kind: 'table', head: ['comparison'], rows: v.challengers.map((c) => [JSON.stringify(c)]) }];
    case 'validation-report:conclusion':
      return conclusion(v);
    case 'validation-report:signatures':
      return signatureTable(
        v.signatures.filter((x) => x.role === 'risk-audit'),
        'No validator (risk-audit) has signed this version.',
      );
    default:
      return [missing(`Section '${s.id}' has no source in the record.`)];
  }
};

function conclusion(v: VersionDossier): Block[] {
  const reqs = v.lifecycle.requirements;
  const open = reqs.filter((r) => r.status !== 'satisfied');
  const decisions = v.signatures.filter((s) => s.role === 'risk-audit' && s.status === 'valid');
  return [
    text(
      reqs.length === 0
        ? v.lifecycle.requirementsAt === null
          ? 'No requirement statuses were recorded for this version by then (a signature records them).'
          : 'The version is not governed by a policy, so no requirement was assessed.'
        : v.lifecycle.requirementsAt
          ? `${reqs.length - open.length} of ${reqs.length} required measures were satisfied for this exact artefact when it was last signed (${v.lifecycle.requirementsAt}).`
          : `${reqs.length - open.length} of ${reqs.length} required measures are satisfied for this exact artefact.`,
    ),
    ...requirementBlocks(v),
    text(
      decisions.length === 0
        ? 'No validator decision is in force.'
        : `Validator decisions in force: ${decisions.map((d) => `${d.meaning} by ${d.name} (${d.signedAt})`).join('; ')}.`,
    ),
  ];
}

function annexSection(d: UseCaseDossier, s: ResolvedSection): Block[] {
  const latest = d.versions.map((v) => ({ v, e: latestEvaluation(v) }));
  switch (s.id) {
    case 'general-description':
      return [
        ...intendedUse(d),
        d.versions.length === 0
          ? missing('The use case has no model versions.')
          : {
              kind: 'table',
              head: ['model', 'version', 'artefact digest', 'framework', 'stage'],
              rows: d.versions.map((v) => [
                v.model.name,
                String(v.version.version),
                v.version.artifactDigest ?? 'not recorded',
                v.version.framework ?? 'not recorded',
                v.version.stage,
              ]),
            },
      ];
    case 'development':
      return d.versions.length === 0
        ? [missing('The use case has no model versions.')]
        : d.versions.flatMap((v) => [
            text(`${v.model.name} version ${v.version.version}:`),
            ...modelDetails(v),
            ...datasetBlocks(v.datasets),
          ]);
    case 'monitoring-control':
      return d.versions.length === 0
        ? [missing('The use case has no model versions.')]
        : d.versions.flatMap((v) => [
            text(`${v.model.name} version ${v.version.version}:`),
            ...fairnessBlocks(v),
            ...deploymentBlocks(v),
          ]);
    case 'performance-metrics':
      return latest.every((x) => !x.e)
        ? [missing('No evaluation was recorded for any version.')]
        : [
            {
              kind: 'table',
              head: ['model', 'version', 'metric', 'value'],
              rows: latest.flatMap(({ v, e }) =>
                e
                  ? Object.entries(e.performance).map(([k, x]) => [v.model.name, String(v.version.version), k, num(x)])
                  : [],
              ),
            },
          ];
    case 'risk-management':
      return [...tierBlocks(d), ...quoted(s, d.documents, 'No risk management document was recorded')];
    case 'changes':
      return d.versions.length === 0
        ? [missing('The use case has no model versions.')]
        : [
            {
              kind: 'table',
              head: ['model', 'version', 'registered', 'signatures'],
              rows: d.versions.map((v) => [
                v.model.name,
                String(v.version.version),
                v.version.createdAt,
                v.signatures.map((x) => `${x.meaning} by ${x.name} (${x.role})`).join('; ') || 'none',
              ]),
            },
          ];
    case 'standards':
    case 'conformity':
      return quoted(s, d.documents, 'Nothing was recorded');
    case 'post-market':
      return [
        ...quoted(s, d.documents, 'No post-market monitoring plan was recorded'),
        ...d.versions.flatMap((v) => [text(`${v.model.name} version ${v.version.version}:`), ...deploymentBlocks(v)]),
      ];
    default:
      return [missing(`Section '${s.id}' has no source in the record.`)];
  }
}

/**
 * Builds a generated document (model card or validation report of a version, Annex IV file of a
 * use case) from its record and the pack's templates. Pure: the same record and templates always
 * give the same document.
 */
export function buildDocument(
  kind: DocumentKind,
  dossier: Dossier,
  templates: DocumentTemplate[] | undefined,
  /** The generator's name and version, e.g. `steward/1.2.0`. */
  generator: string,
): GeneratedDocument {
  const tier = dossier.assessment?.tier ?? null;
  const t = resolveTemplate(kind, templates, tier);
  const subject =
    dossier.kind === 'use-case'
      ? `use case ${dossier.useCase.name}`
      : `${dossier.model.name} version ${dossier.version.version}`;
  const sections = t.sections.map((s) => {
    const blocks = dossier.kind === 'use-case' ? annexSection(dossier, s) : versionSection(dossier, s, kind);
    return { id: s.id, title: s.title, blocks: s.intro ? [text(s.intro), ...blocks] : blocks };
  });
  const preamble =
    kind === 'annex-iv' && dossier.assessment?.euAiAct !== 'high-risk'
      ? `${t.preamble ? `${t.preamble} ` : ''}Note: the use case's EU AI Act category is ${dossier.assessment?.euAiAct ?? 'not assessed'}; Annex IV applies to high-risk systems.`
      : t.preamble;
  return {
    kind,
    title: t.title,
    subject,
    tier,
    inputsDigest: inputsDigest(dossier),
    generator,
    preamble,
    sections,
  };
}

/** The document kind a generated document is stored as (from the pack's template, else the default). */
export const storeKindOf = (kind: DocumentKind, templates: DocumentTemplate[] | undefined, tier: number | null) =>
  resolveTemplate(kind, templates, tier).storeAs;
