import { api, ok } from './client.ts';
import type { paths } from './schema.gen.ts';

/** A policy pack, as the API describes it (the schema that validates uploads). */
export type PolicyPack =
  paths['/api/v1/policies/active']['get']['responses'][200]['content']['application/json']['pack'];
type Evidence = PolicyPack['measures'][number]['evidence'][number];

/** The active policy pack (its structure typed by the same TypeBox schema that validates uploads). */
export async function activePack(): Promise<PolicyPack> {
  return ok(await api.GET('/api/v1/policies/active')).pack;
}

// A pack version's content never changes once stored, and every version and use case page of one
// organisation reads the same one or two: each is fetched once while the console is open.
const packs = new Map<string, Promise<PolicyPack>>();

/** A pack version by id: the one a use case was assessed under. */
export function packById(id: string): Promise<PolicyPack> {
  let pack = packs.get(id);
  if (!pack) {
    pack = api.GET('/api/v1/policies/{id}', { params: { path: { id } } }).then((res) => ok(res).pack);
    // A failed read is asked again next time.
    pack.catch(() => packs.delete(id));
    packs.set(id, pack);
  }
  return pack;
}

/** What satisfies one piece of a measure's evidence, in words. */
export function describeEvidence(e: Evidence): string {
  switch (e.kind) {
    case 'signoff':
      return `${e.signers ?? 1} sign-off(s) by ${e.roles.join(' or ')}${e.independent ? ', independent' : ''}`;
    case 'document':
      return `a '${e.documentKind}' document`;
    case 'check':
      return `an evaluation with ${e.metric} ${e.comparator} ${e.threshold}${e.datasetRoles ? ` on ${e.datasetRoles.join(' or ')} data` : ''} (the latest result on each dataset decides)`;
    case 'monitoring':
      return e.beats
        ? `a challenger beating its champion on ${e.beats.metric} by >= ${e.beats.by} with p < ${e.beats.p}, in the last ${e.windows ?? 3} monitoring windows`
        : `monitor '${e.monitor}' computed in the last ${e.windows ?? 3} monitoring windows`;
    case 'data-residency':
      return "training and evaluation data held in the use case's regions";
    case 'ethical-alignment':
      return 'alignment with the current ethical position (tier 3 and above)';
  }
}
