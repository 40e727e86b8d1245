import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkAnswers, classify, requiredMeasures, type Answers } from '../../src/domain/policy/evaluate.ts';
import { validatePack } from '../../src/domain/policy/validate.ts';
import { measureStatus } from '../../src/domain/policy/status.ts';
import { acceptanceRule } from '../../src/domain/policy/review.ts';
import { diffPacks } from '../../src/domain/policy/diff.ts';
import type { PolicyPack } from '../../src/domain/policy/pack.schema.ts';
import { DEFAULT_PACK_FILE, parsePackText, readPackFile } from '../../src/features/policy/pack-file.ts';
import { adHocAnalysis, creditScoring } from '../helpers/policy.ts';

const loaded = () => {
  const { doc, problems } = readPackFile(DEFAULT_PACK_FILE);
  expect(problems).toEqual([]);
  const res = validatePack(doc);
  expect(res.problems).toEqual([]);
  return res.pack!;
};
const clone = (): PolicyPack => structuredClone(loaded());

describe('the default policy pack', () => {
  it('ships valid, with every regulation pack the product names', () => {
    const pack = loaded();
    expect(pack.tiers.map((t) => t.tier)).toEqual([1, 2, 3, 4]);
    expect(pack.considerations).toHaveLength(9);
    expect(pack.steps.map((s) => s.id)).toEqual([
      'business-scoping',
      'ideation',
      'development',
      'preproduction',
      'deployment',
      'monitoring',
    ]);
    expect(pack.raci).toHaveLength(10);
    expect(pack.regulations.map((r) => r.id)).toEqual([
      'gxp',
      'model-risk-management',
      'gdpr',
      'ccpa',
      'eu-ai-act',
      'nist-ai-rmf',
      'iso-42001',
      'nyc-ll144',
      'oecd-ai-principles',
      'eu-altai',
      'sg-model-ai-governance',
      'au-ai-ethics',
    ]);
    const sr117 = pack.regulations
      .find((r) => r.id === 'model-risk-management')!
      .requirements.filter((r) => r.id.startsWith('sr-11-7'));
    expect(sr117.every((r) => r.status === 'rescinded' && r.effective.until === '2026-04-17')).toBe(true);
    for (const q of [
      'consumers',
      'availability',
      'errorImpact',
      'personalData',
      'sector',
      'regions',
      'annexIIIArea',
      'prohibitedPractice',
      'interactsWithPeople',
      'generatesSyntheticContent',
      'profilesPeople',
      'releaseCadence',
      'modelLifetime',
      'decisionImpactLifetime',
      'decayRate',
      'explainabilityNeed',
    ]) {
      expect(pack.questionnaire.map((x) => x.id)).toContain(q);
    }
  });

  it('classifies public EU credit scoring as tier 4, GDPR, EU AI Act high-risk and model risk management', () => {
    const pack = loaded();
    expect(checkAnswers(pack, creditScoring)).toEqual([]);
    const c = classify(pack, creditScoring);
    expect(c.tier).toBe(4);
    expect(c.euAiAct).toBe('high-risk');
    expect(c.tags).toEqual(
      expect.arrayContaining([
        'gdpr',
        'eu-ai-act-high-risk',
        'model-risk-management',
        'personal-data',
        'public-facing',
      ]),
    );
    expect(c.trace.find((t) => t.rule === 'eu-ai-act-high-risk')!.answers).toMatchObject({
      regions: ['EU'],
      annexIIIArea: 'essential-services',
    });
    const measures = requiredMeasures(pack, c, creditScoring, '2026-11-26');
    const byId = new Map(measures.map((m) => [m.measure, m]));
    expect(byId.get('signoff-dual-acceptance')!.sources).toEqual(['matrix:signoff:4']);
    expect(byId.get('signoff-model-acceptance')!.sources).toEqual(
      expect.arrayContaining([
        'matrix:signoff:4',
        'model-risk-management:ss1-23-p4',
        'requires:signoff-dual-acceptance',
      ]),
    );
    expect(byId.get('gdpr-human-review')!.sources).toEqual(['gdpr:art-22']);
    expect(byId.get('aiact-technical-documentation')!.sources).toEqual(['eu-ai-act:art-11']);
    expect(
      requiredMeasures(pack, c, creditScoring, '2025-06-01').some((m) => m.sources.includes('eu-ai-act:art-11')),
    ).toBe(false);
    // A US lender follows the Federal Reserve's letters, not the PRA's: SR 11-7 until it was
    // rescinded on 2026-04-17, SR 26-2 after.
    const us = { ...creditScoring, regions: ['US'] };
    const cu = classify(pack, us);
    const before = requiredMeasures(pack, cu, us, '2025-06-01');
    expect(before.find((m) => m.measure === 'verify-production-data')!.sources).toContain(
      'model-risk-management:sr-11-7-validation',
    );
    expect(before.some((m) => m.sources.some((s) => s.includes('ss1-23')))).toBe(false);
    const after = requiredMeasures(pack, cu, us, '2026-11-26');
    expect(after.find((m) => m.measure === 'signoff-model-acceptance')!.sources).toContain(
      'model-risk-management:sr-26-2-lifecycle',
    );
    expect(after.some((m) => m.sources.some((s) => s.includes('sr-11-7')))).toBe(false);
  });

  it('classifies an internal ad-hoc analysis without impact as tier 1 with none of those tags', () => {
    const pack = loaded();
    const c = classify(pack, adHocAnalysis);
    expect(c.tier).toBe(1);
    expect(c.euAiAct).toBe('minimal');
    for (const tag of ['gdpr', 'eu-ai-act-high-risk', 'model-risk-management', 'personal-data', 'public-facing'])
      expect(c.tags).not.toContain(tag);
  });

  it('applies the Art. 6(3) exemption only to systems that do not profile people, and records it', () => {
    const pack = loaded();
    const exempt = classify(pack, { ...creditScoring, annexIIIExemption: 'preparatory-task', profilesPeople: false });
    expect(exempt.euAiAct).toBe('minimal');
    expect(exempt.tags).toContain('eu-ai-act-art-6-3-exemption');
    expect(exempt.trace.find((t) => t.rule === 'eu-ai-act-art-6-3-exemption')!.note).toMatch(
      /never applicable to profiling/,
    );
    const refused = classify(pack, { ...creditScoring, annexIIIExemption: 'preparatory-task', profilesPeople: true });
    expect(refused.euAiAct).toBe('high-risk');
    expect(refused.trace.find((t) => t.rule === 'eu-ai-act-art-6-3-refused')!.note).toMatch(/profiles natural persons/);
    const nycHiring = classify(pack, {
      ...adHocAnalysis,
      regions: ['US-NYC'],
      sector: 'other',
      annexIIIArea: 'employment',
    });
    expect(nycHiring.tags).toContain('nyc-ll144');
    expect(classify(pack, { ...adHocAnalysis, sector: 'pharma', gxpRelevant: false }).tags).not.toContain('gxp');
    expect(classify(pack, { ...adHocAnalysis, sector: 'pharma' }).tags).toContain('gxp');
    expect(classify(pack, { ...adHocAnalysis, regions: ['EU'], prohibitedPractice: 'social-scoring' })).toMatchObject({
      euAiAct: 'prohibited',
      tier: 4,
    });
    expect(classify(pack, { ...adHocAnalysis, regions: ['EU'], interactsWithPeople: true }).euAiAct).toBe('limited');
  });

  it('names the question of every bad answer', () => {
    const pack = loaded();
    const { consumers: _c, ...missing } = creditScoring;
    expect(
      checkAnswers(pack, {
        ...missing,
        sector: 'crypto',
        regions: ['EU', 'EU'],
        personalData: 'yes',
        colour: 'blue',
      } as unknown as Answers),
    ).toEqual([
      { question: 'colour', message: 'is not a question of this policy pack' },
      { question: 'consumers', message: 'is required' },
      { question: 'personalData', message: 'must be true or false' },
      { question: 'sector', message: expect.stringMatching(/^must be one of finance, insurance/) },
      { question: 'regions', message: expect.stringMatching(/^must be a list of distinct values/) },
    ]);
  });
});

describe('policy pack validation', () => {
  it('reports shape errors with paths, and unparseable text with its line', () => {
    const { problems } = validatePack({ apiVersion: 'steward.policy/v1', name: 'x' });
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['/version', '/tiers', '/measures']));
    expect(parsePackText('a: [1, 2\nb: 3').problems[0]!.message).toMatch(
      /not valid YAML or JSON \(line \d+, column \d+\)/,
    );
    expect(parsePackText('a: 1\na: 2').problems[0]!.message).toMatch(/not valid YAML/);
    const pack = clone();
    (pack.classification.rules[0]!.when as unknown) = { question: 'consumers', greaterThan: 3 };
    expect(validatePack(pack).problems).toEqual([
      { path: '/classification/rules/0/when', message: expect.stringMatching(/is not a valid condition/) },
    ]);
  });

  it('finds unknown ids, uncovered cells, cycles, dead regulations and RACI mistakes', () => {
    const pack = clone();
    pack.matrix['signoff']!['4']!.push('no-such-measure');
    delete pack.matrix['monitoring']!['2'];
    pack.measures.find((m) => m.id === 'repro-environment-pinned')!.requires = ['repro-exact-reinstantiation'];
    pack.measures.find((m) => m.id === 'doc-model-card')!.step = 'nowhere';
    pack.classification.rules.find((r) => r.id === 'gdpr')!.when = { question: 'sector', equals: 'banking' };
    pack.classification.rules = pack.classification.rules.filter((r) => r.id !== 'nyc-aedt');
    pack.raci[0]!.roles = { 'business-stakeholder': 'R', 'business-analyst': 'C' };
    pack.regulations[0]!.requirements[0]!.measures = ['ghost'];
    const messages = validatePack(pack).problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        `/matrix/signoff/4/${pack.matrix['signoff']!['4']!.length - 1}: unknown measure 'no-such-measure'`,
        "/matrix/monitoring/2: no cell for consideration 'monitoring' at tier 2 (write [] for none)",
        expect.stringMatching(/prerequisite cycle: repro-(environment-pinned|exact-reinstantiation) -> .* -> repro-/),
        expect.stringMatching(/\/measures\/\d+\/step: unknown step 'nowhere'/),
        expect.stringMatching(/\/classification\/rules\/\d+\/when: 'banking' is not an answer 'sector' offers/),
        "/regulations/7/tag: no classification rule sets the tag 'nyc-ll144', so this regulation never applies",
        "/raci/0/roles: task 'identification' must have exactly one Accountable role, has 0",
        "/regulations/0/requirements/0/measures/0: unknown measure 'ghost'",
      ]),
    );
  });

  it('accepts the same pack as JSON', () => {
    const json = JSON.stringify(parse(readFileSync(DEFAULT_PACK_FILE, 'utf8')));
    expect(validatePack(parsePackText(json).doc).problems).toEqual([]);
  });
});

describe('measure status', () => {
  const pack = loaded();
  const measure = (id: string) => pack.measures.find((m) => m.id === id)!;

  it('is missing until every evidence item is met, naming what is unmet', () => {
    expect(measureStatus(measure('gdpr-dpia'), [])).toEqual({
      status: 'missing',
      unmet: ["a 'dpia' document accepted by the owner's team", '1 sign-off(s) by risk-audit'],
    });
    const dpia = { id: 'e1', kind: 'document' as const, documentKind: 'dpia', author: 'u9' };
    // Submitted is not accepted.
    expect(measureStatus(measure('gdpr-dpia'), [dpia])).toEqual({
      status: 'missing',
      unmet: [
        "a 'dpia' document accepted by the owner's team (revision e1 awaits review)",
        '1 sign-off(s) by risk-audit',
      ],
    });
    const accepted = { ...dpia, review: { decision: 'accepted' as const, reviewer: 'u8', role: 'business-analyst' } };
    expect(measureStatus(measure('gdpr-dpia'), [accepted])).toEqual({
      status: 'missing',
      unmet: ['1 sign-off(s) by risk-audit'],
    });
    expect(
      measureStatus(measure('gdpr-dpia'), [accepted, { id: 's1', kind: 'signoff', role: 'risk-audit', signer: 'u1' }]),
    ).toEqual({ status: 'satisfied', by: ['e1', 's1'] });
  });

  it('counts a document only as an accepted current revision, accepted as its measure says', () => {
    const red = measure('bias-red-team');
    const pack = loaded();
    const rule = (e: Parameters<typeof acceptanceRule>[2]) => acceptanceRule(pack, 4, e);
    const doc = { id: 'd1', kind: 'document' as const, documentKind: 'red-team-report', author: 'u1' };
    const by = (reviewer: string, role: string, decision: 'accepted' | 'rejected' = 'accepted') => ({
      ...doc,
      review: { decision, reviewer, role },
    });
    expect(rule({ documentKind: 'red-team-report' })).toEqual({ acceptedBy: ['risk-audit'], independent: true });
    expect(rule({ documentKind: 'model-card' })).toEqual({ acceptedBy: ['owner-team'], independent: false });
    expect(acceptanceRule(pack, 2, { documentKind: 'red-team-report' }).acceptedBy).toEqual(['owner-team']);
    // A measure's own acceptedBy / independent override the pack's default.
    expect(rule({ documentKind: 'model-card', acceptedBy: ['risk-audit'] })).toEqual({
      acceptedBy: ['risk-audit'],
      independent: false,
    });
    const status = (records: Parameters<typeof measureStatus>[1], creators: string[] = []) =>
      measureStatus(red, records, { acceptance: rule, creators });
    expect(status([by('u2', 'risk-audit')]).status).toBe('satisfied');
    expect(status([by('u2', 'risk-audit', 'rejected')])).toEqual({
      status: 'missing',
      unmet: [
        "a 'red-team-report' document accepted by risk-audit, independent of its author (revision d1 was rejected)",
      ],
    });
    // The wrong role, the author, or the version's creator do not count.
    expect(status([by('u2', 'business-stakeholder')]).status).toBe('missing');
    expect(status([by('u1', 'risk-audit')]).status).toBe('missing');
    expect(status([by('u2', 'risk-audit')], ['u2']).status).toBe('missing');
    // A superseded revision counts for nothing, accepted or not; computed documents need no review.
    expect(status([{ ...by('u2', 'risk-audit'), superseded: true }]).status).toBe('missing');
    expect(status([{ ...doc, computed: true }]).status).toBe('satisfied');
  });

  it('applies check thresholds, distinct signers and independence', () => {
    const parity = measure('bias-subgroup-parity');
    expect(
      measureStatus(parity, [{ id: 'c1', kind: 'check', metric: 'demographic-parity-ratio', value: 0.79 }]).status,
    ).toBe('failed');
    expect(
      measureStatus(parity, [{ id: 'c2', kind: 'check', metric: 'demographic-parity-ratio', value: 0.8 }]).status,
    ).toBe('satisfied');
    const dual = measure('signoff-dual-acceptance');
    const same = [
      { id: 's1', kind: 'signoff' as const, role: 'risk-audit', signer: 'u1' },
      { id: 's2', kind: 'signoff' as const, role: 'risk-audit', signer: 'u1' },
    ];
    expect(measureStatus(dual, same).status).toBe('missing');
    expect(
      measureStatus(dual, [same[0]!, { id: 's3', kind: 'signoff', role: 'risk-audit', signer: 'u2' }]).status,
    ).toBe('satisfied');
    expect(
      measureStatus(dual, [same[0]!, { id: 's3', kind: 'signoff', role: 'risk-audit', signer: 'u2' }], {
        creators: ['u2'],
      }).status,
    ).toBe('missing');
    expect(
      measureStatus(dual, [same[0]!, { id: 's4', kind: 'signoff', role: 'data-scientist', signer: 'u3' }]).status,
    ).toBe('missing');
    // Data ops and risk must be two people, even when one person holds both roles.
    const everyMove = measure('signoff-every-environment-move');
    const oneHolder = [
      { id: 'o1', kind: 'signoff' as const, role: 'data-ops', signer: 'u5' },
      { id: 'r1', kind: 'signoff' as const, role: 'risk-audit', signer: 'u5' },
    ];
    expect(measureStatus(everyMove, oneHolder).status).toBe('missing');
    expect(
      measureStatus(everyMove, [...oneHolder, { id: 'r2', kind: 'signoff', role: 'risk-audit', signer: 'u6' }]).status,
    ).toBe('satisfied');
  });

  it('is stale when only evidence for another artefact digest satisfies it', () => {
    const card = measure('doc-model-card');
    const review = { decision: 'accepted' as const, reviewer: 'u2', role: 'data-scientist' };
    const old = [
      { id: 'd1', kind: 'document' as const, documentKind: 'model-card', artifactDigest: 'sha256:old', review },
    ];
    expect(measureStatus(card, old, { artifactDigest: 'sha256:new' })).toEqual({
      status: 'stale',
      by: ['d1'],
      reason: expect.stringMatching(/another artefact/),
    });
    expect(
      measureStatus(
        card,
        [...old, { id: 'd2', kind: 'document', documentKind: 'model-card', artifactDigest: 'sha256:new', review }],
        { artifactDigest: 'sha256:new' },
      ),
    ).toEqual({ status: 'satisfied', by: ['d2'] });
  });
});

describe('pack diff', () => {
  it('lists changes item by item', () => {
    const a = loaded();
    const b = clone();
    b.version = '1.1.0';
    b.classification.rules = b.classification.rules.filter((r) => r.id !== 'ccpa');
    b.measures.find((m) => m.id === 'doc-model-card')!.title = 'Model card (v2)';
    b.matrix['documentation']!['2']!.push('doc-model-card');
    expect(diffPacks(a, b)).toEqual([
      { section: 'pack', id: 'version', change: 'changed', detail: 'default 1.0.0 -> default 1.1.0' },
      { section: 'classification.rules', id: 'ccpa', change: 'removed' },
      { section: 'measures', id: 'doc-model-card', change: 'changed' },
      { section: 'matrix', id: 'documentation:2', change: 'changed', detail: '+doc-model-card' },
    ]);
  });
});
