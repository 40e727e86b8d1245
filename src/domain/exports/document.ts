/**
 * A generated document as a small tree of sections and blocks, rendered alike to Markdown, HTML and
 * PDF. Which sections a document has, in which order, and their wording come from the policy pack's
 * document templates (per tier), or from the defaults here.
 */
export const DOCUMENT_KINDS = ['model-card', 'validation-report', 'annex-iv'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export type Block =
  | { kind: 'text'; text: string }
  | { kind: 'fields'; rows: [string, string][] }
  | { kind: 'table'; head: string[]; rows: string[][] }
  | { kind: 'bars'; title: string; bars: { label: string; value: number | null }[] }
  /** A recorded document's own Markdown, quoted as written. */
  | { kind: 'quote'; title: string; text: string }
  /** What the record does not hold: listed as such, never filled in. */
  | { kind: 'missing'; text: string };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface GeneratedDocument {
  kind: DocumentKind;
  title: string;
  /** What it is about, e.g. `scorecard version 3`. */
  subject: string;
  /** The tier in force for the subject (null: not assessed). */
  tier: number | null;
  /** The digest of the record it was generated from (see `inputsDigest`). */
  inputsDigest: string;
  /** The generator's version. */
  generator: string;
  preamble: string | null;
  sections: Section[];
}

/** A template in a policy pack (`documents:`), as the pack schema defines it. */
export interface DocumentTemplate {
  document: DocumentKind;
  tiers?: number[];
  title?: string;
  preamble?: string;
  /** Document kind under which the generated document is stored as evidence. */
  storeAs?: string;
  sections?: { id: string; title?: string; intro?: string; documentKinds?: string[] }[];
}

export interface SectionDefault {
  title: string;
  /** Recorded documents of these kinds are quoted in the section. */
  documentKinds?: string[];
}

/** Each document's sections, in their default order, with default titles. */
export const DEFAULT_SECTIONS: Record<DocumentKind, Record<string, SectionDefault>> = {
  'model-card': {
    'intended-use': { title: 'Intended use and users' },
    'out-of-scope': { title: 'Out-of-scope uses', documentKinds: ['out-of-scope-uses', 'intended-use'] },
    'risk-tier': { title: 'Risk tier and classification' },
    'model-details': { title: 'Model details' },
    data: { title: 'Training and evaluation data' },
    performance: { title: 'Performance' },
    fairness: { title: 'Fairness by group' },
    explanations: { title: 'Explanations' },
    robustness: { title: 'Robustness' },
    limitations: { title: 'Limitations', documentKinds: ['limitations', 'model-limitations'] },
    'ethical-considerations': {
      title: 'Ethical considerations',
      documentKinds: ['ethical-considerations', 'harm-assessment', 'dpia'],
    },
    approvals: { title: 'Approvals and electronic signatures' },
    'deployment-monitoring': { title: 'Deployment and monitoring' },
    findings: { title: 'Open findings' },
  },
  'validation-report': {
    scope: { title: 'Scope of the validation' },
    'conceptual-soundness': {
      title: 'Conceptual soundness',
      documentKinds: ['model-design', 'experiment-log', 'methodology', 'conceptual-soundness'],
    },
    data: { title: 'Data' },
    outcomes: { title: 'Outcomes analysis' },
    benchmarking: { title: 'Benchmarking (challenger comparison)' },
    sensitivity: { title: 'Sensitivity and robustness' },
    limitations: { title: 'Limitations', documentKinds: ['limitations', 'model-limitations'] },
    findings: { title: 'Findings' },
    conclusion: { title: 'Conclusion' },
    signatures: { title: "Validators' signatures" },
  },
  'annex-iv': {
    'general-description': { title: '1. General description of the AI system' },
    development: { title: '2. Elements of the AI system and its development process' },
    'monitoring-control': { title: '3. Monitoring, functioning and control' },
    'performance-metrics': { title: '4. Appropriateness of the performance metrics' },
    'risk-management': {
      title: '5. Risk management system (Article 9)',
      documentKinds: ['risk-management-plan', 'harm-assessment'],
    },
    changes: { title: '6. Changes through the lifecycle' },
    standards: { title: '7. Harmonised standards and specifications applied', documentKinds: ['standards-applied'] },
    conformity: { title: '8. EU declaration of conformity', documentKinds: ['eu-declaration-of-conformity'] },
    'post-market': {
      title: '9. Post-market monitoring (Article 72)',
      documentKinds: ['post-market-monitoring-plan'],
    },
  },
};

export const DEFAULT_TITLES: Record<DocumentKind, string> = {
  'model-card': 'Model card',
  'validation-report': 'Model validation report',
  'annex-iv': 'EU AI Act Annex IV technical documentation',
};

/** Document kinds generated documents are stored as, when the pack names none. */
export const DEFAULT_STORE_AS: Record<DocumentKind, string> = {
  'model-card': 'generated-model-documentation',
  'validation-report': 'validation-report',
  'annex-iv': 'annex-iv-technical-documentation',
};

export interface ResolvedSection extends SectionDefault {
  id: string;
  intro?: string;
}

export interface ResolvedTemplate {
  title: string;
  preamble: string | null;
  storeAs: string;
  sections: ResolvedSection[];
}

/**
 * The template for a document at a tier: the pack's first template of that document whose tiers
 * include the tier (or that names no tiers), else the defaults. A template's section list replaces
 * the default one (sections can be left out or reordered); titles and document kinds fall back to
 * the defaults per section.
 */
export function resolveTemplate(
  kind: DocumentKind,
  templates: DocumentTemplate[] | undefined,
  tier: number | null,
): ResolvedTemplate {
  const t = (templates ?? []).find(
    (x) => x.document === kind && (!x.tiers || (tier !== null && x.tiers.includes(tier))),
  );
  const defaults = DEFAULT_SECTIONS[kind];
  const sections = t?.sections
    ? t.sections
        .filter((s) => defaults[s.id] !== undefined)
        .map((s) => ({
          id: s.id,
          title: s.title ?? defaults[s.id]!.title,
          ...(s.intro ? { intro: s.intro } : {}),
          ...((s.documentKinds ?? defaults[s.id]!.documentKinds)
            ? { documentKinds: s.documentKinds ?? defaults[s.id]!.documentKinds }
            : {}),
        }))
    : Object.entries(defaults).map(([id, d]) => ({ id, ...d }));
  return {
    title: t?.title ?? DEFAULT_TITLES[kind],
    preamble: t?.preamble ?? null,
    storeAs: t?.storeAs ?? DEFAULT_STORE_AS[kind],
    sections,
  };
}

/** Section ids a template may name for a document (pack validation). */
export const sectionIds = (kind: DocumentKind): string[] => Object.keys(DEFAULT_SECTIONS[kind]);
