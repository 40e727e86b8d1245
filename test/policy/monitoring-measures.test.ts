import { describe, expect, it } from 'vitest';
import { MONITOR_FAMILY_IDS } from '../../src/domain/monitoring/families.ts';
import type { PolicyPack } from '../../src/domain/policy/pack.schema.ts';
import { measureStatus } from '../../src/domain/policy/status.ts';
import { validatePack } from '../../src/domain/policy/validate.ts';
import { DEFAULT_PACK_FILE, readPackFile } from '../../src/features/policy/pack-file.ts';

const pack = () => structuredClone(validatePack(readPackFile(DEFAULT_PACK_FILE).doc).pack!) as PolicyPack;
const measure = (id: string) => pack().measures.find((m) => m.id === id)!;

describe('monitoring measures', () => {
  it('ship naming only families Steward computes, and the validator refuses any other name with the list', () => {
    const named = pack().measures.flatMap((m) =>
      m.evidence.flatMap((e) => (e.kind === 'monitoring' ? [e.monitor] : [])),
    );
    expect(named.length).toBeGreaterThan(0);
    expect(named.every((n) => (MONITOR_FAMILY_IDS as string[]).includes(n))).toBe(true);
    const p = pack();
    const i = p.measures.findIndex((m) => m.id === 'monitor-infrastructure');
    p.measures[i]!.evidence = [{ kind: 'monitoring', monitor: 'infrastructure-alerts' }];
    const j = p.measures.findIndex((m) => m.id === 'monitor-drift');
    p.measures[j]!.evidence = [
      { kind: 'monitoring', monitor: 'input-drift', beats: { metric: 'accuracy', by: 0, p: 0.05 } },
    ];
    expect(validatePack(p).problems).toEqual([
      {
        path: `/measures/${i}/evidence/0/monitor`,
        message:
          "'infrastructure-alerts' is not a monitor family Steward computes; use one of input-drift, performance-decay, kpi-tracking, event-logging, champion-challenger",
      },
      { path: `/measures/${j}/evidence/0/beats`, message: "beats applies to the 'champion-challenger' monitor only" },
    ]);
    const k = p.measures.findIndex((m) => m.id === 'monitor-performance');
    p.measures[k]!.evidence = [{ kind: 'monitoring', monitor: 'performance-decay', windows: 0 }];
    expect(validatePack(p).problems.map((x) => x.path)).toContain(`/measures/${k}/evidence/0/windows`);
  });

  it('are met only by a computation within the last N windows, never by a declared name', () => {
    const drift = measure('monitor-drift');
    // What a monitor configuration naming the family used to produce: no window behind it.
    expect(measureStatus(drift, [{ id: 'cfg', kind: 'monitoring', monitor: 'input-drift' }])).toEqual({
      status: 'missing',
      unmet: ["monitor 'input-drift' computed in the last 3 windows (nothing computed yet)"],
    });
    expect(measureStatus(drift, [{ id: 'w', kind: 'monitoring', monitor: 'input-drift', windowsAgo: 2 }])).toEqual({
      status: 'satisfied',
      by: ['w'],
    });
    expect(measureStatus(drift, [{ id: 'w', kind: 'monitoring', monitor: 'input-drift', windowsAgo: 3 }])).toEqual({
      status: 'missing',
      unmet: ["monitor 'input-drift' computed in the last 3 windows (last computed 3 windows ago)"],
    });
    const cc = measure('monitor-champion-challenger');
    const why = 'challenger pd/2 has no logged predictions';
    expect(measureStatus(cc, [{ id: 'x', kind: 'monitoring', monitor: 'champion-challenger', reason: why }])).toEqual({
      status: 'missing',
      unmet: [`monitor 'champion-challenger' computed in the last 3 windows (${why})`],
    });
  });
});
