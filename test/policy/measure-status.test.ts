import { describe, expect, it } from 'vitest';
import { validatePack } from '../../src/domain/policy/validate.ts';
import { measureStatus, type EvidenceRecord } from '../../src/domain/policy/status.ts';
import { regionWithin } from '../../src/domain/policy/regions.ts';
import type { PolicyPack } from '../../src/domain/policy/pack.schema.ts';
import { DEFAULT_PACK_FILE, readPackFile } from '../../src/features/policy/pack-file.ts';

const pack = validatePack(readPackFile(DEFAULT_PACK_FILE).doc).pack!;
const measure = (id: string) => pack.measures.find((m) => m.id === id)!;
const parity = measure('bias-subgroup-parity');
const A = 'sha256:aaaa';
const check = (id: string, value: number, at: string, data: string | null = 'sha256:data1', artifact = A) =>
  ({
    id,
    kind: 'check',
    metric: 'demographic-parity-ratio',
    value,
    recordedAt: at,
    dataDigest: data,
    artifactDigest: artifact,
  }) satisfies EvidenceRecord;

describe('a check is judged on the evidence that counts', () => {
  it('fails with the observed value, comparator, threshold and evidence id', () => {
    const s = measureStatus(parity, [check('e1', 0.69, '2026-01-01T00:00:00Z')], { artifactDigest: A });
    expect(s).toMatchObject({
      status: 'failed',
      failures: [
        {
          evidence: 'e1',
          metric: 'demographic-parity-ratio',
          observed: 0.69,
          comparator: '>=',
          threshold: 0.8,
          detail: expect.stringMatching(/failed: observed 0\.69 \(evidence e1\)/),
        },
      ],
    });
    expect(s.status === 'failed' && s.unmet).toEqual([
      expect.stringContaining('check demographic-parity-ratio >= 0.8'),
    ]);
  });

  it('lets a newer failing result on the same artefact and data outweigh an older passing one, listing both', () => {
    const records = [check('pass', 0.91, '2026-01-01T00:00:00Z'), check('fail', 0.54, '2026-01-02T00:00:00Z')];
    // Given out of order: recency comes from the time recorded, not from the order passed.
    const s = measureStatus(parity, [...records].reverse(), { artifactDigest: A });
    expect(s.status).toBe('failed');
    expect(s.considered!.map((c) => [c.evidence, c.holds, c.decides])).toEqual([
      ['pass', true, false],
      ['fail', false, true],
    ]);
    // ... and a newer passing result on the same data decides the other way.
    const again = measureStatus(parity, [...records, check('fixed', 0.85, '2026-01-03T00:00:00Z')], {
      artifactDigest: A,
    });
    expect(again).toMatchObject({ status: 'satisfied', by: ['fixed'] });
  });

  it('needs the latest result on every dataset to hold: passing on other data does not hide a failure', () => {
    const s = measureStatus(
      parity,
      [check('d1', 0.6, '2026-01-01T00:00:00Z', 'sha256:d1'), check('d2', 0.95, '2026-01-02T00:00:00Z', 'sha256:d2')],
      { artifactDigest: A },
    );
    expect(s).toMatchObject({ status: 'failed', by: ['d1'] });
    expect(s.considered!.filter((c) => c.decides).map((c) => c.evidence)).toEqual(['d1', 'd2']);
  });

  it('judges the current artefact only; results for another artefact make it stale or leave it missing', () => {
    const old = [check('old', 0.9, '2026-01-01T00:00:00Z', 'sha256:d1', 'sha256:old')];
    expect(measureStatus(parity, old, { artifactDigest: A }).status).toBe('stale');
    // A failure recorded for the old artefact does not fail the new one: there is no evidence for it yet.
    const oldFail = [check('old', 0.5, '2026-01-01T00:00:00Z', 'sha256:d1', 'sha256:old')];
    expect(measureStatus(parity, oldFail, { artifactDigest: A })).toMatchObject({ status: 'missing' });
    // A passing old artefact does not rescue a failing current one.
    expect(
      measureStatus(parity, [...old, check('new', 0.7, '2026-01-02T00:00:00Z')], { artifactDigest: A }).status,
    ).toBe('failed');
  });

  it('counts only data of the required roles when the pack says so, and every such result decides', () => {
    const p: PolicyPack['measures'][number] = {
      ...parity,
      evidence: [
        {
          kind: 'check',
          metric: 'demographic-parity-ratio',
          comparator: '>=',
          threshold: 0.8,
          datasetRoles: ['evaluation'],
        },
      ],
    };
    const onTraining = { ...check('t', 0.9, '2026-01-01T00:00:00Z', 'sha256:t'), datasetRoles: ['training'] };
    const unregistered = check('u', 0.9, '2026-01-01T00:00:00Z', 'sha256:u');
    expect(measureStatus(p, [onTraining, unregistered], { artifactDigest: A })).toEqual({
      status: 'missing',
      unmet: ['check demographic-parity-ratio >= 0.8 on evaluation data'],
      considered: [],
    });
    const e1 = { ...check('e1', 0.9, '2026-01-01T00:00:00Z', 'sha256:e1'), datasetRoles: ['evaluation'] };
    const e2 = { ...check('e2', 0.7, '2026-01-01T00:00:00Z', 'sha256:e2'), datasetRoles: ['evaluation', 'validation'] };
    expect(measureStatus(p, [onTraining, e1], { artifactDigest: A })).toMatchObject({
      status: 'satisfied',
      by: ['e1'],
    });
    expect(measureStatus(p, [onTraining, e1, e2], { artifactDigest: A })).toMatchObject({
      status: 'failed',
      by: ['e2'],
    });
    // Every result on data of those roles decides: a later pass on the same data does not wash out a failure.
    const again = { ...check('e3', 0.95, '2026-01-02T00:00:00Z', 'sha256:e2'), datasetRoles: ['evaluation'] };
    const s = measureStatus(p, [e1, e2, again], { artifactDigest: A });
    expect(s).toMatchObject({ status: 'failed', by: ['e2'] });
    expect(s.considered!.map((c) => c.decides)).toEqual([true, true, true]);
    // Without roles the latest on that data would decide.
    expect(measureStatus(parity, [e1, e2, again], { artifactDigest: A }).status).toBe('satisfied');
  });
});

describe('data residency', () => {
  const residency = measure('data-residency');
  const data = (id: string, region: string): EvidenceRecord => ({ id, kind: 'dataset', dataset: `${id}/1`, region });

  it('holds when every dataset version lies within one of the use case regions', () => {
    expect(measureStatus(residency, [data('a', 'DE'), data('b', 'EU')], { regions: ['EU'] })).toEqual({
      status: 'satisfied',
      by: ['a', 'b'],
    });
  });

  it('fails naming the dataset, its region and the use case regions', () => {
    expect(measureStatus(residency, [data('a', 'DE'), data('b', 'US')], { regions: ['EU', 'UK'] })).toMatchObject({
      status: 'failed',
      failures: [
        {
          evidence: 'b',
          dataset: 'b/1',
          region: 'US',
          regions: ['EU', 'UK'],
          detail: "dataset b/1 is held in US, which is not among the use case's regions (EU, UK)",
        },
      ],
    });
  });

  it('is missing without registered data', () => {
    expect(measureStatus(residency, [], { regions: ['EU'] })).toEqual({
      status: 'missing',
      unmet: [expect.stringMatching(/no registered dataset version/)],
    });
  });

  it('compares regions by containment', () => {
    expect(regionWithin('DE', 'EU')).toBe(true);
    expect(regionWithin('de', 'eu')).toBe(true);
    expect(regionWithin('NO', 'EU')).toBe(false);
    expect(regionWithin('NO', 'EEA')).toBe(true);
    expect(regionWithin('EU', 'EEA')).toBe(true);
    expect(regionWithin('US-CA', 'US')).toBe(true);
    expect(regionWithin('US', 'US-CA')).toBe(false);
    expect(regionWithin('US', 'GLOBAL')).toBe(true);
    expect(regionWithin('UK', 'EU')).toBe(false);
  });
});

describe('ethical alignment in the ai-policy measure', () => {
  const aiPolicy = measure('ai-policy');
  const owner: EvidenceRecord = { id: 's1', kind: 'signoff', role: 'business-stakeholder', signer: 'u1' };
  const alignment = (a: EvidenceRecord['alignment'], alignedWith: number | null, current: number | null) =>
    ({ id: 'al', kind: 'alignment', alignment: a, alignedWith, currentPosition: current }) satisfies EvidenceRecord;

  it('is met by the owner sign-off where alignment is not required or aligned', () => {
    for (const a of ['not-required', 'no-position', 'aligned'] as const)
      expect(measureStatus(aiPolicy, [owner, alignment(a, 2, 2)]).status).toBe('satisfied');
  });

  it('fails with the reason when the alignment predates the current position', () => {
    expect(measureStatus(aiPolicy, [owner, alignment('review', 1, 2)])).toMatchObject({
      status: 'failed',
      failures: [{ evidence: 'al', detail: expect.stringMatching(/version 1, but version 2 is current/) }],
    });
  });

  it('is missing, not met by the sign-off alone, when no alignment is recorded', () => {
    expect(measureStatus(aiPolicy, [owner, alignment('missing', null, 2)])).toEqual({
      status: 'missing',
      unmet: ['alignment with the current ethical position (none recorded for position version 2)'],
    });
    expect(measureStatus(aiPolicy, [owner]).status).toBe('missing');
  });
});
