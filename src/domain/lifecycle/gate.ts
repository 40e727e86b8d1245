import { DomainError } from '../../errors.ts';
import type { PolicyPack } from '../policy/pack.schema.ts';
import type { Considered, Failure, Waiver } from '../policy/status.ts';
import { gateStepOf, type Process } from './process.ts';

/** A requirement as the requirements API reports it: the measure, its pack step and its status. */
export interface RequirementStatus {
  measure: string;
  title: string;
  step: string;
  status: 'satisfied' | 'failed' | 'missing' | 'stale' | 'waived';
  /** For `waived`: the exception that waives it, and what the status would be without it. */
  waiver?: Waiver;
  underlying?: string;
  unmet?: string[];
  reason?: string;
  /** For `failed`: the evidence that decided and what it showed (observed value, comparator, threshold). */
  failures?: Failure[];
  /** The check results looked at, oldest first, marking those that decide. */
  considered?: Considered[];
}

export interface Blocker {
  /** The process step whose gate the measure belongs to. */
  gate: string;
  measure: string;
  title: string;
  status: 'failed' | 'missing' | 'stale';
  /** What failed or is missing (evidence descriptions), or why it went stale. */
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
 * and those of pack steps the process skips) is satisfied; failed, missing or stale measures block it.
 */
export function evaluateGates(
  pack: PolicyPack,
  process: Process,
  requirements: RequirementStatus[],
  steps: string[],
): GateResult[] {
  const signoffMeasures = new Set(
    pack.measures.filter((m) => m.evidence.some((e) => e.kind === 'signoff')).map((m) => m.id),
  );
  return steps.map((step) => {
    const blockers: Blocker[] = requirements
      .filter((r) => gateStepOf(pack, process, r.step) === step && r.status !== 'satisfied' && r.status !== 'waived')
      .map((r) => ({
        gate: step,
        measure: r.measure,
        title: r.title,
        status: r.status as Blocker['status'],
        detail: r.status === 'stale' ? [r.reason ?? 'stale'] : (r.unmet ?? []),
        signoff: signoffMeasures.has(r.measure),
      }));
    return { step, passed: blockers.length === 0, blockers };
  });
}

/**
 * The state machine's rule for a move among `steps` (Part 11 §11.10(f)): forward only to the next
 * step and only once the current step's gate has passed; back to any earlier step (rework). Throws
 * a problem naming the step and gate that come first. `who` names the item in messages, `what` the
 * kind of step (e.g. "step", "use-case step"); `gate` is evaluated only for a forward move.
 */
export function assertTransition(
  steps: string[],
  current: string,
  to: string,
  opts: { who: string; what: string; process: string; gate: () => GateResult },
): void {
  const from = steps.indexOf(current);
  const target = steps.indexOf(to);
  if (target < 0)
    throw new DomainError(
      'validation_failed',
      `'${to}' is not a ${opts.what} of process '${opts.process}' (${steps.join(' -> ')})`,
      { errors: [{ pointer: '/to', message: `not a ${opts.what} of the process` }] },
    );
  if (target === from) throw new DomainError('conflict', `${opts.who} is already at step '${to}'`);
  if (target > from + 1) {
    throw new DomainError(
      'out_of_order',
      `${opts.who} is at step '${steps[from]}': step '${steps[from + 1]}' comes before '${to}', and the gate of '${steps[from]}' must pass first`,
      { extra: { step: steps[from], next: steps[from + 1] } },
    );
  }
  if (target === from + 1) {
    const gate = opts.gate();
    if (!gate.passed)
      throw new DomainError(
        'gate_not_passed',
        `the gate of step '${steps[from]}' has not passed: ${gate.blockers.map((b) => `${b.title} (${b.status})`).join('; ')}`,
        { extra: { gate: steps[from], blockers: gate.blockers } },
      );
  }
}
