import { canonicalize } from '../jcs.ts';
import type { PolicyPack } from './pack.schema.ts';

export interface PackDiff {
  section: string;
  id: string;
  change: 'added' | 'removed' | 'changed';
  detail?: string;
}

/**
 * What changed between two packs, item by item (by id) in every section, so a reviewer sees
 * "rule gdpr changed" rather than a text diff of YAML.
 */
export function diffPacks(a: PolicyPack, b: PolicyPack): PackDiff[] {
  const out: PackDiff[] = [];
  const byId = <T>(section: string, xs: T[], ys: T[], key: (x: T) => string) => {
    const left = new Map(xs.map((x) => [key(x), x]));
    const right = new Map(ys.map((y) => [key(y), y]));
    for (const [id, x] of left) {
      const y = right.get(id);
      if (y === undefined) out.push({ section, id, change: 'removed' });
      else if (canonicalize(x) !== canonicalize(y)) out.push({ section, id, change: 'changed' });
    }
    for (const id of right.keys()) if (!left.has(id)) out.push({ section, id, change: 'added' });
  };
  if (a.name !== b.name || a.version !== b.version)
    out.push({
      section: 'pack',
      id: 'version',
      change: 'changed',
      detail: `${a.name} ${a.version} -> ${b.name} ${b.version}`,
    });
  if (a.description !== b.description) out.push({ section: 'pack', id: 'description', change: 'changed' });
  byId('tiers', a.tiers, b.tiers, (t) => String(t.tier));
  byId('questionnaire', a.questionnaire, b.questionnaire, (q) => q.id);
  byId('classification.rules', a.classification.rules, b.classification.rules, (r) => r.id);
  byId('considerations', a.considerations, b.considerations, (c) => c.id);
  byId('steps', a.steps, b.steps, (s) => s.id);
  byId('raci', a.raci, b.raci, (r) => r.task);
  byId('measures', a.measures, b.measures, (m) => m.id);
  const cells = (p: PolicyPack) =>
    new Map(
      Object.entries(p.matrix).flatMap(([c, byTier]) =>
        Object.entries(byTier).map(([tier, ids]) => [`${c}:${tier}`, ids] as const),
      ),
    );
  const before = cells(a);
  const after = cells(b);
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const x = before.get(key) ?? [];
    const y = after.get(key) ?? [];
    const moves = [
      ...y.filter((m) => !x.includes(m)).map((m) => `+${m}`),
      ...x.filter((m) => !y.includes(m)).map((m) => `-${m}`),
    ];
    if (moves.length > 0) out.push({ section: 'matrix', id: key, change: 'changed', detail: moves.join(' ') });
  }
  // A regulation's own fields (its tag decides where it applies), then its requirements one by one.
  byId(
    'regulations',
    a.regulations.map(({ requirements: _r, ...reg }) => reg),
    b.regulations.map(({ requirements: _r, ...reg }) => reg),
    (r) => r.id,
  );
  const reqs = (p: PolicyPack) =>
    p.regulations.flatMap((r) => r.requirements.map((q) => ({ ...q, key: `${r.id}:${q.id}` })));
  byId('regulations.requirements', reqs(a), reqs(b), (q) => q.key);
  return out;
}
