// The demo organisation: teams, people of every role, and a dozen use cases across the tiers.

export const DEMO_PASSWORD = 'steward-demo-2026';

export const TEAMS = ['lending', 'growth', 'fraud', 'supply-chain', 'medtech', 'analytics', 'people'];

/** username, display name, roles (`*` is organisation-wide). */
export const PEOPLE: [string, string, [string, string][]][] = [
  ['olivia', 'Olivia Bennett', [['*', 'business-stakeholder']]],
  ['bruno', 'Bruno Costa', [['*', 'business-analyst']]],
  ['dana', 'Dana Kim', [['*', 'data-scientist']]],
  ['sam', 'Sam Okafor', [['*', 'data-scientist']]],
  ['rita', 'Rita Novak', [['*', 'risk-audit']]],
  ['ravi', 'Ravi Iyer', [['*', 'risk-audit']]],
  ['omar', 'Omar Haddad', [['*', 'data-ops']]],
  ['pete', 'Pete Lindqvist', [['*', 'production']]],
  ['dpo', 'Dora Pauls (data protection)', [['*', 'risk-audit']]],
  ['vera', 'Vera Auditor', [['*', 'viewer']]],
  // A validator whose electronic-signature training has lapsed (see programme.ts).
  ['nina', 'Nina Berg', [['*', 'risk-audit']]],
];

type Answers = Record<string, string | boolean | string[]>;
const base: Answers = {
  consumers: 'internal-few',
  availability: 'ad-hoc',
  errorImpact: [],
  personalData: false,
  sector: 'other',
  regions: ['EU'],
  annexIIIArea: 'none',
  prohibitedPractice: 'none',
  interactsWithPeople: false,
  generatesSyntheticContent: false,
  profilesPeople: false,
  releaseCadence: 'rare',
  modelLifetime: 'one-off',
  decisionImpactLifetime: 'short',
  decayRate: 'slow',
  explainabilityNeed: 'low',
};

export interface DemoUseCase {
  name: string;
  team: string;
  objective: string;
  consumers: 'internal-few' | 'internal-many' | 'public';
  sector: string;
  personal: boolean;
  kpis: { name: string; target: number; direction: 'at-least' | 'at-most'; unit?: string }[];
  answers: Answers;
  /** The model and how far its first version goes: `released` takes it to production with monitoring. */
  model?: {
    name: string;
    framework: string;
    stage: 'registered' | 'evaluated' | 'development' | 'awaiting-validation' | 'released';
    /** Its artefact is the demo's ONNX scorecard, which robustness runs perturb. */
    onnx?: boolean;
    /** A dataset holding personal data that the training data is derived from (data-subject requests trace it). */
    source?: { name: string; columns: { name: string; piiKind: string; description?: string }[] };
  };
  /** Production drift in the last days of the monitoring history. */
  driftEpisode?: boolean;
  /** A version 2 in shadow, compared with the released version 1 on the same records. */
  challenger?: boolean;
  /** KPI values whose last weeks miss the target. */
  kpiMiss?: boolean;
  /** A later evaluation fails the four-fifths rule (demographic parity): the check reads `failed`. */
  failedCheck?: boolean;
}

export const USE_CASES: DemoUseCase[] = [
  {
    name: 'Quarterly sales deep-dive',
    team: 'analytics',
    objective: 'One-off analysis of regional sales for the quarterly business review.',
    consumers: 'internal-few',
    sector: 'other',
    personal: false,
    kpis: [],
    answers: { ...base },
  },
  {
    name: 'Marketing mix exploration',
    team: 'growth',
    objective: 'Explore which channels drove sign-ups last year, for the marketing plan.',
    consumers: 'internal-few',
    sector: 'other',
    personal: false,
    kpis: [],
    answers: { ...base },
    model: { name: 'mmm-explorer', framework: 'sklearn', stage: 'registered' },
  },
  {
    name: 'Customer churn prediction',
    team: 'growth',
    objective: 'Score subscribers monthly by churn risk so retention can offer help first.',
    consumers: 'internal-many',
    sector: 'other',
    personal: true,
    kpis: [{ name: 'retention-rate', target: 0.9, direction: 'at-least' }],
    answers: {
      ...base,
      consumers: 'internal-many',
      availability: 'scheduled',
      personalData: true,
      releaseCadence: 'monthly',
      modelLifetime: 'years',
      decayRate: 'moderate',
    },
    model: { name: 'churn-gbm', framework: 'xgboost', stage: 'evaluated' },
    failedCheck: true,
  },
  {
    name: 'Demand forecast',
    team: 'supply-chain',
    objective: 'Weekly demand per product and store to plan replenishment.',
    consumers: 'internal-many',
    sector: 'other',
    personal: false,
    kpis: [{ name: 'forecast-mape', target: 0.15, direction: 'at-most' }],
    answers: {
      ...base,
      consumers: 'internal-many',
      availability: 'scheduled',
      releaseCadence: 'weekly-or-faster',
      modelLifetime: 'years',
      decayRate: 'fast',
    },
    model: { name: 'demand-forecast', framework: 'lightgbm', stage: 'development' },
  },
  {
    name: 'Customer lifetime value',
    team: 'growth',
    objective: 'Estimate lifetime value to size acquisition budgets.',
    consumers: 'internal-many',
    sector: 'other',
    personal: true,
    kpis: [],
    answers: { ...base, consumers: 'internal-many', availability: 'scheduled', personalData: true },
  },
  {
    name: 'Call-centre staffing forecast',
    team: 'supply-chain',
    objective: 'Forecast call volumes per half hour for staffing.',
    consumers: 'internal-many',
    sector: 'other',
    personal: false,
    kpis: [],
    answers: { ...base, consumers: 'internal-many', availability: 'scheduled' },
  },
  {
    name: 'Invoice anomaly detection',
    team: 'fraud',
    objective: 'Flag unusual supplier invoices for review before payment.',
    consumers: 'internal-many',
    sector: 'finance',
    personal: false,
    kpis: [],
    answers: {
      ...base,
      consumers: 'internal-many',
      availability: 'realtime',
      sector: 'finance',
      errorImpact: ['financial'],
    },
  },
  {
    name: 'Card fraud detection',
    team: 'fraud',
    objective: 'Score card transactions in real time and hold the suspicious ones.',
    consumers: 'public',
    sector: 'finance',
    personal: true,
    kpis: [{ name: 'fraud-caught-rate', target: 0.9, direction: 'at-least' }],
    answers: {
      ...base,
      consumers: 'public',
      availability: 'realtime',
      errorImpact: ['financial'],
      personalData: true,
      sector: 'finance',
      releaseCadence: 'monthly',
      modelLifetime: 'years',
      decayRate: 'fast',
      explainabilityNeed: 'medium',
    },
    model: { name: 'fraud-scorer', framework: 'onnx', stage: 'evaluated' },
    kpiMiss: true,
  },
  {
    name: 'Credit scoring',
    team: 'lending',
    objective: 'Score consumer loan applications for the lending decision.',
    consumers: 'public',
    sector: 'finance',
    personal: true,
    kpis: [{ name: 'default-rate', target: 0.04, direction: 'at-most' }],
    answers: {
      ...base,
      consumers: 'public',
      availability: 'realtime',
      errorImpact: ['financial', 'personal'],
      personalData: true,
      sector: 'finance',
      annexIIIArea: 'essential-services',
      profilesPeople: true,
      releaseCadence: 'monthly',
      modelLifetime: 'years',
      decisionImpactLifetime: 'long',
      decayRate: 'moderate',
      explainabilityNeed: 'high',
    },
    model: {
      name: 'credit-scorecard',
      framework: 'onnx',
      stage: 'released',
      onnx: true,
      source: {
        name: 'crm-customers',
        columns: [
          { name: 'customer_id', piiKind: 'pseudonymised' },
          { name: 'email', piiKind: 'direct-identifier', description: 'contact e-mail' },
          { name: 'postcode', piiKind: 'quasi-identifier' },
          { name: 'income', piiKind: 'none' },
        ],
      },
    },
    driftEpisode: true,
    challenger: true,
  },
  {
    name: 'Collections prioritisation',
    team: 'lending',
    objective: 'Order overdue accounts for the collections team.',
    consumers: 'internal-many',
    sector: 'finance',
    personal: true,
    kpis: [],
    answers: {
      ...base,
      consumers: 'internal-many',
      availability: 'scheduled',
      personalData: true,
      sector: 'finance',
      errorImpact: ['financial'],
    },
  },
  {
    name: 'Triage model for a diagnostic device',
    team: 'medtech',
    objective: 'Prioritise imaging studies for radiologist review inside a medical device (GxP).',
    consumers: 'public',
    sector: 'health',
    personal: true,
    kpis: [],
    answers: {
      ...base,
      consumers: 'public',
      availability: 'realtime',
      errorImpact: ['personal'],
      personalData: true,
      sector: 'health',
      gxpRelevant: true,
      releaseCadence: 'rare',
      modelLifetime: 'years',
      decisionImpactLifetime: 'long',
      decayRate: 'slow',
      explainabilityNeed: 'high',
    },
    model: { name: 'triage-cnn', framework: 'onnx', stage: 'awaiting-validation' },
  },
  {
    name: 'CV screening assistant',
    team: 'people',
    objective: 'Suggest a shortlist from job applications for recruiters.',
    consumers: 'public',
    sector: 'employment',
    personal: true,
    kpis: [],
    answers: {
      ...base,
      consumers: 'public',
      availability: 'scheduled',
      errorImpact: ['personal', 'legal'],
      personalData: true,
      sector: 'employment',
      annexIIIArea: 'employment',
      profilesPeople: true,
      explainabilityNeed: 'high',
    },
  },
];
