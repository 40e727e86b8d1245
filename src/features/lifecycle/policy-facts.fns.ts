import { gateStepOf, processFor, type Process } from '../../domain/lifecycle/process.ts';
import { requiredMeasures } from '../../domain/policy/evaluate.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { acceptanceRule } from '../../domain/policy/review.ts';
import { measureReads, measureStatus, type MeasureStatus } from '../../domain/policy/status.ts';
import type { PolicyContext } from '../policy/context.service.ts';
import type { Governance } from './governance.service.ts';

// What a use case's policy decides alike for all its versions, computed once and shared by the
// governance of each (an inventory page judges fifty versions under a handful of classifications).

export type RequiredMeasure = ReturnType<typeof requiredMeasures>[number];
export type Requirement = Governance['requirements'][number];

/** One required measure as the policy decides it for every version alike. */
export interface RequiredItem {
  m: RequiredMeasure;
  measure: PolicyPack['measures'][number];
  /** The record keys it may read (`measureReads`). */
  reads: string[];
  /** Its step is the use case's: the use case's records count for it. */
  caseScoped: boolean;
  /** It has sign-off items: approvals count for it. */
  signoffs: boolean;
  /** The position in the process of the gate it belongs to. */
  at: number;
  /**
   * The requirement and status it has when no record speaks to it: the same for every version,
   * so computed once and shared (frozen: nobody may change what others read).
   */
  blank: { requirement: Requirement; status: MeasureStatus };
}

/** What a use case's policy decides alike for each of its versions on a day. */
export interface PolicyFacts {
  process: Process;
  required: RequiredMeasure[];
  items: RequiredItem[];
  byId: Map<string, PolicyPack['measures'][number]>;
  /** Roles the required measures' sign-offs name: a rejection by one of them is a veto. */
  approverRoles: Set<string>;
}

// Computed once per pack, classification and day (the versions of an inventory page's use cases
// mostly share one), kept per pack object: a pack is immutable under its id.
const factsOf = new WeakMap<PolicyPack, Map<string, PolicyFacts>>();
const FACTS_KEPT = 256;
// The facts found for a context object, by day: the versions of one use case read together share
// one context, so its key (answers spelled out) is built once for them all.
const ofContext = new WeakMap<PolicyContext, { today: string; facts: PolicyFacts }>();

/**
 * What `policy` decides alike for every version of its use case on `today`: its process, the
 * required measures, and each measure's requirement and status when no record speaks to it.
 */
export function policyFacts(policy: PolicyContext, today: string): PolicyFacts {
  const seen = ofContext.get(policy);
  if (seen?.today === today) return seen.facts;
  const facts = factsFor(policy, today);
  ofContext.set(policy, { today, facts });
  return facts;
}

function factsFor(policy: PolicyContext, today: string): PolicyFacts {
  const { pack, tier } = policy;
  const key = `${today}\n${tier}\n${policy.tags.join(',')}\n${JSON.stringify(policy.answers)}`;
  let known = factsOf.get(pack);
  if (!known) factsOf.set(pack, (known = new Map()));
  const kept = known.get(key);
  if (kept) return kept;
  const byId = new Map(pack.measures.map((m) => [m.id, m]));
  const process = processFor(pack, tier, policy.answers);
  const required = requiredMeasures(pack, { tier, tags: policy.tags }, policy.answers, today);
  const caseScoped = new Set(pack.steps.filter((s) => s.scope === 'use-case').map((s) => s.id));
  const acceptance = (e: Parameters<typeof acceptanceRule>[2]) => acceptanceRule(pack, tier, e);
  const items = required.map((m): RequiredItem => {
    const measure = byId.get(m.measure)!;
    const status = measureStatus(measure, [], { acceptance });
    for (const list of Object.values(status)) if (Array.isArray(list)) Object.freeze(list);
    const requirement = Object.freeze({ ...m, evidence: measure.evidence, ...status }) as unknown as Requirement;
    return {
      m,
      measure,
      reads: measureReads(measure),
      caseScoped: caseScoped.has(m.step),
      signoffs: measure.evidence.some((e) => e.kind === 'signoff'),
      at: process.steps.indexOf(gateStepOf(pack, process, m.step)),
      blank: { requirement, status: Object.freeze(status) },
    };
  });
  const facts: PolicyFacts = {
    process,
    required,
    items,
    byId,
    approverRoles: new Set(
      items.flatMap((i) => i.measure.evidence.flatMap((e) => (e.kind === 'signoff' ? e.roles : []))),
    ),
  };
  if (known.size >= FACTS_KEPT) known.clear();
  known.set(key, facts);
  return facts;
}
