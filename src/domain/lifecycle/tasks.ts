import type { PolicyPack } from '../policy/pack.schema.ts';

export interface TaskSpec {
  kind: 'raci' | 'signoff' | 're-review';
  title: string;
  role: string;
  /** The RACI letter the task is for (R, A, or A for approvals). */
  raci: string;
  details: Record<string, unknown>;
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
