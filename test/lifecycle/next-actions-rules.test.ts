import { describe, expect, it } from 'vitest';
import { combinedStatus, versionStatus } from '../../src/domain/lifecycle/next-actions.ts';

describe('one status per version, model and use case', () => {
  const deployed = (environment: string, refusals: string[] = []) => ({ environment, refusals });

  it('puts a suspension before a refusal, a refusal before staleness, staleness before live', () => {
    const refused = [deployed('production', ['gate: model card missing']), deployed('development')];
    expect(versionStatus({ holds: ['suspended by human oversight'], deployed: refused, stale: ['x'] })).toMatchObject({
      state: 'suspended',
      reasons: ['suspended by human oversight'],
    });
    expect(versionStatus({ holds: [], deployed: refused, stale: ['x'] })).toMatchObject({
      state: 'refused',
      environment: 'production',
      label: 'Refused for production',
      reasons: ['gate: model card missing'],
    });
    expect(versionStatus({ holds: [], deployed: [deployed('qa')], stale: ['approval stale'] })).toMatchObject({
      state: 'stale',
      reasons: ['approval stale'],
    });
    expect(versionStatus({ holds: [], deployed: [], stale: [] })).toMatchObject({ state: 'in-development' });
  });

  it('is live in the furthest environment it runs in', () => {
    const s = versionStatus({
      holds: [],
      deployed: [deployed('qa'), deployed('production'), deployed('development')],
      stale: [],
    });
    expect(s).toMatchObject({ state: 'live', environment: 'production', label: 'Live in production' });
  });

  it("takes the most urgent of the parts' statuses, naming each part in the reasons", () => {
    const live = versionStatus({ holds: [], deployed: [deployed('production')], stale: [] });
    const dev = versionStatus({ holds: [], deployed: [], stale: [] });
    expect(
      combinedStatus([
        { name: 'pd v2', status: dev },
        { name: 'pd v1', status: live },
      ]),
    ).toMatchObject({
      state: 'live',
      environment: 'production',
      reasons: [expect.stringMatching(/^pd v1: deployed in production/)],
    });
    const suspended = versionStatus({ holds: ['on hold'], deployed: [], stale: [] });
    expect(
      combinedStatus([
        { name: 'pd v1', status: live },
        { name: 'pd v2', status: suspended },
      ]),
    ).toMatchObject({ state: 'suspended', reasons: ['pd v2: on hold'] });
    expect(combinedStatus([])).toMatchObject({ state: 'in-development', reasons: ['no versions'] });
  });
});
