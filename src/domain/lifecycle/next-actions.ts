import { rolesGranting, type Permission, type Role } from '../authz.ts';
import type { PolicyPack } from '../policy/pack.schema.ts';
import { ENVIRONMENTS, gateStepOf, stepsRequiredFor, DEFAULT_ENVIRONMENTS, type Process } from './process.ts';

type Evidence = PolicyPack['measures'][number]['evidence'][number];

/** What a person does to meet a missing item, with the parameters the form opens with. */
export type ActionKind =
  | 'add-document'
  | 'upload-evaluation'
  | 'sign'
  | 'configure-monitoring'
  | 'record-alignment'
  | 'review-datasets'
  | 'move-step'
  | 'request-promotion';

export interface NextAction {
  kind: ActionKind;
  /** One line saying what to do. */
  label: string;
  /** The form's pre-filled values: a document kind, a metric, a role and meaning, a step, an environment. */
  params: Record<string, string | number | boolean>;
  /** Roles that can do it (on the subject's team, or organisation-wide). */
  roles: string[];
}

/** One requirement of the subject with its status, as the lifecycle reports it. */
export interface RequirementView {
  measure: string;
  title: string;
  step: string;
  status: string;
  unmet?: string[];
}

export interface MissingItem {
  measure: string;
  title: string;
  /** The process step whose gate the measure belongs to. */
  step: string;
  status: string;
  detail: string[];
  /** Roles owning the item: who can record its evidence or sign it. */
  roles: string[];
  actions: NextAction[];
}

export interface StepProgress {
  id: string;
  title: string;
  state: 'done' | 'current' | 'upcoming';
  /** Requirements of the step's gate that are met (satisfied, or waived by an approved exception). */
  met: number;
  total: number;
}

const MET = new Set(['satisfied', 'waived']);

/** Roles granted `permission`; the administrator last, since it is the fallback rather than the owner. */
const grantedTo = (permission: Permission): Role[] =>
  [...rolesGranting(permission)].sort((a, b) => Number(a === 'admin') - Number(b === 'admin'));

/** Whether an evidence item is among what a requirement lists as unmet (a stale one needs all again). */
function unmetItem(e: Evidence, r: RequirementView): boolean {
  if (r.status === 'stale') return true;
  const unmet = r.unmet ?? [];
  switch (e.kind) {
    case 'document':
      return unmet.some((u) => u.startsWith(`a '${e.documentKind}' document`));
    case 'check':
      return unmet.some((u) => u.includes(e.metric));
    case 'signoff':
      return unmet.some((u) => u.includes(`sign-off(s) by ${e.roles.join(' or ')}`));
    case 'monitoring':
      return unmet.some((u) => u.includes(e.beats ? 'challenger beats champion' : `monitor '${e.monitor}'`));
    case 'data-residency':
      return unmet.some((u) => u.includes('region') || u.includes('held'));
    case 'ethical-alignment':
      return unmet.some((u) => u.includes('alignment') || u.includes('ethical'));
  }
}

/** The action that meets one evidence item of a measure, on a version (`version`) or a use case. */
function actionFor(e: Evidence, measure: string, subject: 'version' | 'use-case'): NextAction {
  const writer = subject === 'version' ? 'version:write' : 'use-case:write';
  switch (e.kind) {
    case 'document':
      return {
        kind: 'add-document',
        label: `Add a '${e.documentKind}' document`,
        params: { documentKind: e.documentKind },
        roles: grantedTo(writer),
      };
    case 'check':
      return {
        kind: 'upload-evaluation',
        label: `Upload an evaluation that gives ${e.metric} ${e.comparator} ${e.threshold}`,
        params: { metric: e.metric, comparator: e.comparator, threshold: e.threshold },
        roles: grantedTo('version:write'),
      };
    case 'signoff':
      return {
        kind: 'sign',
        label: `Sign as ${e.roles.join(' or ')}${e.independent ? ' (independent of the authors)' : ''}`,
        params: { role: e.roles[0]!, meaning: 'approve', measure, independent: e.independent ?? false },
        roles: [...e.roles],
      };
    case 'monitoring':
      return {
        kind: 'configure-monitoring',
        label: `Monitor '${e.monitor}' and log predictions`,
        params: { monitor: e.monitor },
        roles: grantedTo('monitoring:write'),
      };
    case 'data-residency':
      return {
        kind: 'review-datasets',
        label: "Use datasets held in the use case's regions",
        params: {},
        roles: grantedTo('dataset:write'),
      };
    case 'ethical-alignment':
      return {
        kind: 'record-alignment',
        label: 'Record the alignment with the ethical position',
        params: {},
        roles: grantedTo('assessment:write'),
      };
  }
}

/**
 * Progress per step of a process and what is missing, each item with the roles that own it and
 * the actions that meet it (evidence first, sign-offs last: a signature covers the state it saw).
 * Requirements count toward the gate of the step they belong to in this process (`gateStepOf`).
 */
export function nextActions(
  pack: PolicyPack,
  process: Process,
  current: string | null,
  requirements: RequirementView[],
  subject: 'version' | 'use-case',
  onlySteps: string[] = process.steps,
): { steps: StepProgress[]; missing: MissingItem[] } {
  const measures = new Map(pack.measures.map((m) => [m.id, m]));
  const at = current ? process.steps.indexOf(current) : -1;
  const gateOf = (r: RequirementView) => gateStepOf(pack, process, r.step);
  const steps = onlySteps.map((id) => {
    const i = process.steps.indexOf(id);
    const mine = requirements.filter((r) => gateOf(r) === id);
    return {
      id,
      title: pack.steps.find((s) => s.id === id)?.title ?? id,
      state: (i < at ? 'done' : i === at ? 'current' : 'upcoming') as StepProgress['state'],
      met: mine.filter((r) => MET.has(r.status)).length,
      total: mine.length,
    };
  });
  const order = (r: RequirementView) => process.steps.indexOf(gateOf(r));
  const missing = requirements
    .filter((r) => !MET.has(r.status) && onlySteps.includes(gateOf(r)))
    .sort((a, b) => order(a) - order(b))
    .map((r) => {
      const m = measures.get(r.measure);
      const items = (m?.evidence ?? []).filter((e) => unmetItem(e, r));
      const actions = (items.length > 0 ? items : (m?.evidence ?? []))
        .map((e) => actionFor(e, r.measure, subject))
        .sort((x, y) => Number(x.kind === 'sign') - Number(y.kind === 'sign'));
      return {
        measure: r.measure,
        title: r.title,
        step: gateOf(r),
        status: r.status,
        detail: r.unmet ?? [],
        roles: [...new Set(actions.flatMap((a) => a.roles))],
        actions,
      };
    });
  return { steps, missing };
}

/** What each environment needs, in the words a page shows beside the step. */
export function environmentRules(
  pack: PolicyPack,
  process: Process | null,
): { id: string; requires: string | null; explanation: string }[] {
  return ENVIRONMENTS.map((env) => {
    const required = process ? stepsRequiredFor(pack, process, env) : [];
    const rule = (pack.environments ?? []).find((e) => e.id === env) ?? DEFAULT_ENVIRONMENTS.find((e) => e.id === env)!;
    const last = required.at(-1) ?? null;
    return {
      id: env,
      requires: last,
      explanation:
        rule.requires === null || last === null
          ? `${env} needs no gate: a promotion there completes at once`
          : `${env} needs the gates of every step up to '${last}' passed; the version keeps its step when it is promoted`,
    };
  });
}

export type StatusState = 'suspended' | 'refused' | 'stale' | 'live' | 'in-development';

export interface SubjectStatus {
  state: StatusState;
  /** The environment refused or live in (null otherwise). */
  environment: string | null;
  /** One line: "Suspended", "Refused for production", "Live in production"... */
  label: string;
  reasons: string[];
}

const RANK: Record<StatusState, number> = { 'in-development': 0, live: 1, stale: 2, refused: 3, suspended: 4 };

/**
 * A version's one status, from the most to the least urgent: suspended by human oversight; refused
 * where it is deployed (the deployment check would refuse it there now); stale approvals or
 * evidence; live in the furthest environment it runs in; else in development.
 */
export function versionStatus(input: {
  holds: string[];
  /** Environments the version is deployed in, with why the check refuses it there (empty: allowed). */
  deployed: { environment: string; refusals: string[] }[];
  stale: string[];
}): SubjectStatus {
  if (input.holds.length > 0)
    return { state: 'suspended', environment: null, label: 'Suspended', reasons: input.holds };
  const furthest = [...input.deployed].sort(
    (a, b) =>
      ENVIRONMENTS.indexOf(b.environment as (typeof ENVIRONMENTS)[number]) -
      ENVIRONMENTS.indexOf(a.environment as (typeof ENVIRONMENTS)[number]),
  );
  const refused = furthest.find((d) => d.refusals.length > 0);
  if (refused)
    return {
      state: 'refused',
      environment: refused.environment,
      label: `Refused for ${refused.environment}`,
      reasons: refused.refusals,
    };
  if (input.stale.length > 0)
    return { state: 'stale', environment: null, label: 'Approvals or evidence stale', reasons: input.stale };
  const live = furthest[0];
  if (live)
    return {
      state: 'live',
      environment: live.environment,
      label: `Live in ${live.environment}`,
      reasons: [`deployed in ${furthest.map((d) => d.environment).join(', ')}; the deployment check allows it`],
    };
  return { state: 'in-development', environment: null, label: 'In development', reasons: ['not deployed anywhere'] };
}

/**
 * The status of something made of several versions (a model, a use case): the most urgent of its
 * parts', with each reason naming the part it comes from. A part that is live shows over one in
 * development, so a model with a live version and a newer one in development reads as live.
 */
export function combinedStatus(parts: { name: string; status: SubjectStatus }[]): SubjectStatus {
  if (parts.length === 0)
    return { state: 'in-development', environment: null, label: 'In development', reasons: ['no versions'] };
  const worst = parts.reduce((a, b) => (RANK[b.status.state] > RANK[a.status.state] ? b : a));
  const same = parts.filter(
    (p) => p.status.state === worst.status.state && p.status.environment === worst.status.environment,
  );
  return {
    ...worst.status,
    reasons: same.flatMap((p) => p.status.reasons.map((r) => `${p.name}: ${r}`)),
  };
}
