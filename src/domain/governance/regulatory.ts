// Regulatory change watch: the moments a pack's regulation requirements take effect or lapse, and
// which assessed use cases each one reaches. Pure: the governance feature reads the pack and the
// assessments and acts on the changes.
import { holds, type Answers } from '../policy/evaluate.ts';
import type { PolicyPack } from '../policy/pack.schema.ts';

/** A requirement taking effect (`from`) or lapsing (the day after `until`) on `day`. */
export interface RegulatoryChange {
  regulation: string;
  regulationTitle: string;
  requirement: string;
  title: string;
  source: string;
  change: 'takes-effect' | 'lapses';
  /** YYYY-MM-DD: the first day the change holds. */
  day: string;
  measures: string[];
  note?: string;
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/**
 * Every change in the pack's regulations whose day lies in (`after`, `through`] (YYYY-MM-DD), in
 * day order. A requirement in force `from` a day takes effect that day; one in force `until` a day
 * lapses the day after.
 */
export function regulatoryChanges(pack: PolicyPack, after: string, through: string): RegulatoryChange[] {
  const out: RegulatoryChange[] = [];
  for (const reg of pack.regulations)
    for (const req of reg.requirements) {
      const base = {
        regulation: reg.id,
        regulationTitle: reg.title,
        requirement: req.id,
        title: req.title,
        source: req.source,
        measures: req.measures,
        ...(req.note ? { note: req.note } : {}),
      };
      if (req.effective.from > after && req.effective.from <= through)
        out.push({ ...base, change: 'takes-effect', day: req.effective.from });
      if (req.effective.until !== undefined) {
        const lapse = nextDay(req.effective.until);
        if (lapse > after && lapse <= through) out.push({ ...base, change: 'lapses', day: lapse });
      }
    }
  return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.regulation.localeCompare(b.regulation)));
}

/** Whether a change reaches a use case assessed with these answers and tags (the regulation's tag and the requirement's condition). */
export function reaches(
  pack: PolicyPack,
  change: RegulatoryChange,
  answers: Answers,
  tags: readonly string[],
): boolean {
  const reg = pack.regulations.find((r) => r.id === change.regulation);
  if (!reg || !tags.includes(reg.tag)) return false;
  const req = reg.requirements.find((r) => r.id === change.requirement);
  return !!req && (!req.appliesWhen || holds(req.appliesWhen, answers, tags));
}
