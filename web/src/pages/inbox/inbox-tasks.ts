// The inbox's list: one row per thing to do, grouped by subject, overdue first. The server lists a
// task per (subject, role): a version's step tasks repeat its use case's, and a person holding two
// asked roles gets the same task twice.

import type { paths } from '../../api/schema.gen.ts';

export type Task = paths['/api/v1/tasks']['get']['responses'][200]['content']['application/json']['items'][number];

export interface InboxItem {
  task: Task;
  /** Every role through which the task reached the person. */
  roles: string[];
  /** The use case whose identical task this row stands for too. */
  alsoForUseCase: boolean;
}

export interface InboxGroup {
  subject: string;
  /** Link to the subject's page. */
  href: string;
  items: InboxItem[];
}

/** The measure a sign-off task stands for, if any. */
export const measureOf = (t: Task): string | undefined => {
  const d = t.details;
  return d && typeof d === 'object' && 'measure' in d && typeof d.measure === 'string' ? d.measure : undefined;
};

const subjectLabel = (t: Task) => (t.model ? `${t.model} v${t.version}` : (t.useCase ?? 'unnamed use case'));
const subjectHref = (t: Task) =>
  t.model
    ? `/models/${encodeURIComponent(t.model)}/versions/${t.version}?tab=Governance`
    : `/use-cases/${t.subject.id}`;
const sameWork = (t: Task) => `${t.kind}|${t.step}|${t.title}|${measureOf(t) ?? ''}`;

export type DueFilter = 'all' | 'overdue' | 'week';

/**
 * Deduplicates, filters and groups open tasks: one row per subject and piece of work (roles
 * merged); a use case's task dropped where a version of it lists the same work; overdue first,
 * then by due date, within groups and between them.
 */
export function arrange(tasks: Task[], filter: { kind: string; due: DueFilter; now: number }): InboxGroup[] {
  const rows = new Map<string, InboxItem>();
  for (const t of tasks) {
    const key = `${t.subject.id}|${sameWork(t)}`;
    const row = rows.get(key);
    if (row) {
      if (!row.roles.includes(t.role)) row.roles.push(t.role);
      // A row is blocked only if every role it came through is.
      if (row.task.blocked && !t.blocked) row.task = t;
    } else rows.set(key, { task: t, roles: [t.role], alsoForUseCase: false });
  }
  const onVersions = new Map<string, InboxItem[]>();
  for (const r of rows.values())
    if (r.task.model && r.task.useCaseId) {
      const k = `${r.task.useCaseId}|${sameWork(r.task)}`;
      onVersions.set(k, [...(onVersions.get(k) ?? []), r]);
    }
  const kept: InboxItem[] = [];
  for (const r of rows.values()) {
    const twins = r.task.model ? undefined : onVersions.get(`${r.task.useCaseId}|${sameWork(r.task)}`);
    if (twins) for (const twin of twins) twin.alsoForUseCase = true;
    else kept.push(r);
  }
  const week = filter.now + 7 * 86_400_000;
  const shown = kept.filter(
    (r) =>
      (filter.kind === 'all' || r.task.kind === filter.kind) &&
      (filter.due === 'all' ||
        (filter.due === 'overdue' ? r.task.overdue : r.task.overdue || Date.parse(r.task.due) <= week)),
  );
  const order = (a: InboxItem, b: InboxItem) =>
    Number(b.task.overdue) - Number(a.task.overdue) || a.task.due.localeCompare(b.task.due);
  shown.sort(order);
  const groups = new Map<string, InboxGroup>();
  for (const r of shown) {
    const label = subjectLabel(r.task);
    const g = groups.get(label) ?? { subject: label, href: subjectHref(r.task), items: [] };
    g.items.push(r);
    groups.set(label, g);
  }
  // Groups come in the order of their most pressing task.
  return [...groups.values()];
}
