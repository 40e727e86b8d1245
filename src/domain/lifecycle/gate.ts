import type { PolicyPack } from '../policy/pack.schema.ts';
import { gateStepOf, type Process } from './process.ts';

/** A requirement as the requirements API reports it: the measure, its pack step and its status. */
export interface RequirementStatus {
  measure: string;
  title: string;
  step: string;
  status: 'satisfied' | 'missing' | 'stale';
  unmet?: string[];
  reason?: string;
}

export interface Blocker {
  /** The process step whose gate the measure belongs to. */
  gate: string;
  measure: string;
  title: string;
  status: 'missing' | 'stale';
  /** What is missing (evidence descriptions), or why it went stale. */
  detail: string[];
  /** True when what is missing is a sign-off. */
  signoff: boolean;
}

export interface GateResult {
  step: string;
  passed: boolean;
  blockers: Blocker[];
}

/**
 * The gates of `steps`: each passes when every required measure belonging to it (its own step's,
 * and those of pack steps the process skips) is satisfied; stale or missing measures block it.
 */
export function evaluateGates(pack: PolicyPack, process: Process, requirements: RequirementStatus[], steps: string[]): GateResult[] {
  const signoffMeasures = new Set(pack.measures.filter((m) => m.evidence.some((e) => e.kind === 'signoff')).map((m) => m.id));
  return steps.map((step) => {
    const blockers: Blocker[] = requirements
      .filter((r) => gateStepOf(pack, process, r.step) === step && r.status !== 'satisfied')
      .map((r) => ({ gate: step, measure: r.measure, title: r.title, status: r.status as Blocker['status'], detail: r.status === 'stale' ? [r.reason ?? 'stale'] : (r.unmet ?? []), signoff: signoffMeasures.has(r.measure) }));
    return { step, passed: blockers.length === 0, blockers };
  });
}
