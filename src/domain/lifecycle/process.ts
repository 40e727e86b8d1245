import type { Answers } from '../policy/evaluate.ts';
import { holds } from '../policy/evaluate.ts';
import type { PolicyPack } from '../policy/pack.schema.ts';

export const ENVIRONMENTS = ['development', 'qa', 'preproduction', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export interface Process {
  id: string;
  title: string;
  steps: string[];
}

/** Days a step's tasks are due in when the pack does not say. */
export const DEFAULT_DUE_DAYS = 14;

/**
 * The process template a use case follows: the first of the pack's processes whose tiers include
 * the use case's tier and whose condition holds for its answers; a pack without processes (or
 * none matching) runs every step in order.
 */
export function processFor(pack: PolicyPack, tier: number, answers: Answers): Process {
  for (const p of pack.processes ?? []) {
    if (p.tiers && !p.tiers.includes(tier as 1)) continue;
    if (p.appliesWhen && !holds(p.appliesWhen, answers)) continue;
    return { id: p.id, title: p.title, steps: p.steps };
  }
  return { id: 'all-steps', title: 'Every step of the policy pack', steps: pack.steps.map((s) => s.id) };
}

/**
 * The process step whose gate a measure of pack step `step` belongs to: the step itself, or, when
 * the process skips it, the next step the process has (the last one if none follows), so a
 * lighter process never silently drops a required measure.
 */
export function gateStepOf(pack: PolicyPack, process: Process, step: string): string {
  const order = pack.steps.map((s) => s.id);
  const at = order.indexOf(step);
  return process.steps.find((s) => order.indexOf(s) >= at) ?? process.steps.at(-1)!;
}

/** The process steps a promotion to `env` must have passed the gates of (empty: none). */
export function stepsRequiredFor(pack: PolicyPack, process: Process, env: Environment): string[] {
  // An environment the pack leaves out keeps the default rule: leaving production out must not open it.
  const rule = (pack.environments ?? []).find((e) => e.id === env) ?? DEFAULT_ENVIRONMENTS.find((e) => e.id === env)!;
  if (rule.requires === null) return [];
  const order = pack.steps.map((s) => s.id);
  const limit = order.indexOf(gateStepOf(pack, process, rule.requires));
  return process.steps.filter((s) => order.indexOf(s) <= limit);
}

/** The environment an alias serves on governed models, if any. */
export function environmentOfAlias(pack: PolicyPack, alias: string): Environment | undefined {
  return (pack.environments ?? DEFAULT_ENVIRONMENTS).find((e) => e.aliases?.includes(alias))?.id;
}

export const DEFAULT_ENVIRONMENTS: NonNullable<PolicyPack['environments']> = [
  { id: 'development', requires: null },
  { id: 'qa', requires: 'development' },
  { id: 'preproduction', requires: 'development', aliases: ['challenger'] },
  { id: 'production', requires: 'deployment', aliases: ['champion'] },
];

export const dueDaysOf = (pack: PolicyPack, step: string): number =>
  pack.steps.find((s) => s.id === step)?.dueDays ?? DEFAULT_DUE_DAYS;
