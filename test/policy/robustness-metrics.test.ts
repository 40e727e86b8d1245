import { describe, expect, it } from 'vitest';
import { classify, requiredMeasures } from '../../src/domain/policy/evaluate.ts';
import { validatePack } from '../../src/domain/policy/validate.ts';
import { measureStatus } from '../../src/domain/policy/status.ts';
import type { PolicyPack } from '../../src/domain/policy/pack.schema.ts';
import { DEFAULT_PACK_FILE, readPackFile } from '../../src/features/policy/pack-file.ts';
import { creditScoring } from '../helpers/policy.ts';

const loaded = (): PolicyPack => {
  const { doc } = readPackFile(DEFAULT_PACK_FILE);
  const res = validatePack(doc);
  expect(res.problems).toEqual([]);
  return structuredClone(res.pack!);
};

/** The pack with one measure's check metric replaced, validated. */
function withMetric(metric: string) {
  const pack = loaded();
  const i = pack.measures.findIndex((m) => m.id === 'verify-robustness');
  pack.measures[i]!.evidence = [{ kind: 'check', metric, comparator: '<=', threshold: 0.02 }];
  return { i, ...validatePack(pack) };
}

describe('robustness checks in policy packs', () => {
  it('the shipped pack asks tiers 3 and 4 (and AI Act Art. 15) for a computed robustness run', () => {
    const pack = loaded();
    const cell = pack.matrix['preproduction-verification']!;
    expect(cell['1']).not.toContain('verify-robustness');
    expect(cell['2']).not.toContain('verify-robustness');
    expect(cell['3']).toContain('verify-robustness');
    expect(cell['4']).toEqual(expect.arrayContaining(['verify-robustness', 'verify-robustness-subgroups']));
    const measure = (id: string) => pack.measures.find((m) => m.id === id)!;
    expect(measure('verify-robustness').evidence).toEqual([
      { kind: 'check', metric: 'robustness.auc-drop@0.1sd', comparator: '<=', threshold: 0.02 },
    ]);
    // A document alone no longer meets Art. 15: the computed check must hold too.
    expect(measure('aiact-accuracy-robustness').evidence.map((e) => e.kind)).toEqual(['check', 'document']);
    const c = classify(pack, creditScoring);
    expect(c.tier).toBe(4);
    const required = new Map(requiredMeasures(pack, c, creditScoring, '2026-11-26').map((m) => [m.measure, m]));
    expect(required.has('verify-robustness')).toBe(true);
    expect(required.has('verify-robustness-subgroups')).toBe(true);
    expect(required.get('aiact-accuracy-robustness')!.sources).toContain('eu-ai-act:art-15');
  });

  it('the validator accepts the names robustness runs record', () => {
    for (const metric of [
      'robustness.auc-drop@0.1sd',
      'robustness.accuracy@1sd',
      'robustness.worst-group.mae-drop@missing0.25',
      'robustness.macro-f1-drop@swap0.05',
    ])
      expect(withMetric(metric).problems, metric).toEqual([]);
  });

  it('the validator refuses malformed ones, saying why and where', () => {
    const refused = (metric: string) => {
      const { i, problems, pack } = withMetric(metric);
      expect(pack).toBeNull();
      expect(problems.map((p) => p.path)).toEqual([`/measures/${i}/evidence/0/metric`]);
      return problems[0]!.message;
    };
    expect(refused('robustness.auc-drop')).toMatch(/is not a robustness metric: robustness metrics read/);
    expect(refused('robustness.auc-drop@0.10sd')).toMatch(/0\.1, not 0\.10/);
    expect(refused('robustness.precision-drop@0.1sd')).toMatch(/use one of accuracy, f1, auc/);
    expect(refused('robustness.auc-drop@0.1')).toMatch(/not a perturbation level/);
    expect(refused('robustness.auc-drop@swap1.5')).toMatch(/outside 0\.0001\.\.1/);
    expect(refused('accuracy@0.1sd')).toMatch(/is not a robustness metric/);
    // Characters outside the metric alphabet fail the shape first.
    const upper = withMetric('robustness.AUC-drop@0.1sd');
    expect(upper.pack).toBeNull();
    expect(upper.problems[0]!.path).toMatch(new RegExp(`^/measures/${upper.i}/evidence/0`));
  });

  it('a recorded robustness metric satisfies the check, or leaves it unmet', () => {
    const measure = loaded().measures.find((m) => m.id === 'verify-robustness')!;
    const record = (value: number) => ({
      id: 'e1',
      kind: 'check' as const,
      metric: 'robustness.auc-drop@0.1sd',
      value,
      artifactDigest: 'sha256:a',
    });
    expect(measureStatus(measure, [record(0.01)], { artifactDigest: 'sha256:a' })).toMatchObject({
      status: 'satisfied',
      by: ['e1'],
    });
    // A recorded drop above the threshold is a failed check, with what it showed.
    expect(measureStatus(measure, [record(0.05)], { artifactDigest: 'sha256:a' })).toMatchObject({
      status: 'failed',
      failures: [{ evidence: 'e1', observed: 0.05, comparator: '<=', threshold: 0.02 }],
    });
  });
});
