import type { Answers } from '../../src/domain/policy/evaluate.ts';

/** The product contract's two reference use cases, as questionnaire answers. */
export const creditScoring: Answers = {
  consumers: 'public',
  availability: 'realtime',
  errorImpact: ['financial', 'personal'],
  personalData: true,
  sector: 'finance',
  regions: ['EU'],
  annexIIIArea: 'essential-services',
  prohibitedPractice: 'none',
  interactsWithPeople: false,
  generatesSyntheticContent: false,
  profilesPeople: true,
  releaseCadence: 'monthly',
  modelLifetime: 'years',
  decisionImpactLifetime: 'long',
  decayRate: 'moderate',
  explainabilityNeed: 'high',
};
export const adHocAnalysis: Answers = {
  consumers: 'internal-few',
  availability: 'ad-hoc',
  errorImpact: [],
  personalData: false,
  sector: 'other',
  regions: ['other'],
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
