import type { PolicyPack } from '../policy/pack.schema.ts';

export interface TaskSpec {
  kind:
    | 'raci'
    | 'signoff'
    | 're-review'
    | 'review'
    | 'regulatory-change'
    | 'exception-expired'
    | 'dsr-erase'
    | 'dsr-retrain'
    | 'dsr-document'
    | 'attestation'
    | 'revalidation'
    | 'attestation-escalation'
    | 're-assessment'
    | 'retirement';
  title: string;
  role: string;
  /** The RACI letter the task is for (R, A, or A for approvals). */
  raci: string;
  details: Record<string, unknown>;
  /** When the task falls due, where that is not the step's due days (an ISO timestamp). */
  dueAt?: string;
}

export interface Notification {
  role: string;
  raci: 'C' | 'I';
  task: string;
  title: string;
}

/**
 * The executable RACI of a step: tasks for the Responsible and Accountable roles of each of the
 * step's RACI rows, a sign-off task for each role that can sign each sign-off measure of the step's
 * gate, and notifications for the Consulted and Informed.
 */
export function tasksOnEntering(
  pack: PolicyPack,
  gateMeasures: string[],
  step: string,
): { tasks: TaskSpec[]; notify: Notification[] } {
  const tasks: TaskSpec[] = [];
  const notify: Notification[] = [];
  for (const row of pack.raci.filter((r) => r.step === step)) {
    for (const [role, letter] of Object.entries(row.roles)) {
      if (letter === 'C' || letter === 'I') notify.push({ role, raci: letter, task: row.task, title: row.title });
      else if (letter)
        tasks.push({ kind: 'raci', title: row.title, role, raci: letter, details: { raciTask: row.task } });
    }
  }
  const measures = new Map(pack.measures.map((m) => [m.id, m]));
  for (const id of gateMeasures) {
    const m = measures.get(id)!;
    for (const e of m.evidence) {
      if (e.kind !== 'signoff') continue;
      for (const role of e.roles)
        tasks.push({
          kind: 'signoff',
          title: `Sign: ${m.title}`,
          role,
          raci: 'A',
          details: { measure: m.id, signers: e.signers ?? 1, independent: e.independent ?? false },
        });
    }
  }
  return { tasks, notify };
}

/**
 * Review tasks for a submitted document, routed through the RACI: a task for each role that may
 * accept it; where the owner's team accepts, the step's Accountable roles (else its Responsible
 * ones) in the RACI of the measure's step.
 */
export function reviewTasks(
  pack: PolicyPack,
  doc: { id: string; kind: string; title: string },
  measures: { id: string; title: string; step: string; acceptedBy: string[]; independent: boolean }[],
): TaskSpec[] {
  const byRole = new Map<string, TaskSpec>();
  for (const m of measures) {
    const rows = pack.raci.filter((r) => r.step === m.step);
    const lettered = (letters: string[]) =>
      rows.flatMap((r) => Object.entries(r.roles).flatMap(([role, l]) => (letters.includes(l) ? [role] : [])));
    const roles = m.acceptedBy.flatMap((r) => {
      if (r !== 'owner-team') return [r];
      const accountable = lettered(['A', 'A/R']);
      return accountable.length > 0 ? accountable : lettered(['R']);
    });
    for (const role of roles) {
      const t = byRole.get(role);
      if (t) (t.details.measures as string[]).push(m.id);
      else
        byRole.set(role, {
          kind: 'review',
          title: `Review: ${doc.title} (${doc.kind})`,
          role,
          raci: 'A',
          details: { document: doc.id, documentKind: doc.kind, measures: [m.id], independent: m.independent },
        });
    }
  }
  return [...byRole.values()];
}

/**
 * Why the person who created a task's subject cannot complete the task, or null: an independent
 * sign-off (effective challenge) is refused to whoever created what it signs, so the inbox marks it
 * instead of letting them find out after typing their password.
 */
export function independenceRefusal(
  task: { kind: string; role: string; details: unknown },
  subject: { model?: string; version?: number; useCase?: string },
): string | null {
  const independent =
    typeof task.details === 'object' && task.details !== null && 'independent' in task.details
      ? task.details.independent === true
      : false;
  if (task.kind !== 'signoff' || !independent) return null;
  const what = subject.model ? `${subject.model} v${subject.version}` : `use case '${subject.useCase}'`;
  return `you created ${what}; this ${task.role} sign-off must be independent of its author, so another ${task.role} has to sign`;
}
