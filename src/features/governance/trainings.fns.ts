import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { standing } from '../../domain/trainings.ts';

/** One person's required trainings in one team ('*' for roles held everywhere): how many, how many current. */
export interface TrainingTally {
  person: string;
  team: string;
  required: number;
  current: number;
}

/**
 * Who must hold which trainings (the pack's `trainings.courses` by role) and how many they hold
 * current on `today`, per person and team of their role assignments. People whose roles require
 * nothing are left out.
 */
export function trainingTallies(
  pack: PolicyPack | null,
  holders: { user_id: string; scope: string; role: string }[],
  latest: { user_id: string; training_id: string; completed_on: string }[],
  today: string,
): TrainingTally[] {
  const courses = pack?.trainings?.courses ?? [];
  if (courses.length === 0) return [];
  const done = new Map(latest.map((l) => [`${l.user_id} ${l.training_id}`, l.completed_on]));
  const needs = new Map<string, Set<string>>();
  for (const h of holders) {
    const key = `${h.user_id} ${h.scope}`;
    for (const c of courses)
      if ((c.requiredFor as readonly string[]).includes(h.role)) {
        const set = needs.get(key) ?? new Set<string>();
        set.add(c.id);
        needs.set(key, set);
      }
  }
  return [...needs].map(([key, ids]) => {
    const [person, team] = key.split(' ') as [string, string];
    let current = 0;
    for (const id of ids) {
      const course = courses.find((c) => c.id === id)!;
      if (standing(course, done.get(`${person} ${id}`), today).status === 'current') current++;
    }
    return { person, team, required: ids.size, current };
  });
}
