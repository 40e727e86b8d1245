import type { Condition, EuAiActCategory, PolicyPack } from './pack.schema.ts';
import { EU_AI_ACT_CATEGORIES } from './pack.schema.ts';

export type Answers = Record<string, string | boolean | string[]>;

/**
 * Whether a condition holds for the answers (and, for `tag` leaves, the classification's tags).
 * Absent answers satisfy no leaf condition.
 */
export function holds(c: Condition, answers: Answers, tags: readonly string[] = []): boolean {
  if ('all' in c) return c.all.every((x) => holds(x, answers, tags));
  if ('any' in c) return c.any.some((x) => holds(x, answers, tags));
  if ('not' in c) return !holds(c.not, answers, tags);
  if ('tag' in c) return tags.includes(c.tag);
  const value = answers[c.question];
  if (value === undefined) return false;
  if ('equals' in c) return value === c.equals;
  if ('in' in c) return !Array.isArray(value) && c.in.includes(value);
  if ('includes' in c) return Array.isArray(value) && value.includes(c.includes);
  if ('includesAny' in c) return Array.isArray(value) && c.includesAny.some((v) => value.includes(v));
  return Array.isArray(value) && (value.length === 0) === c.isEmpty;
}

/** The questions a condition reads (for validation and traces). */
export function questionsOf(c: Condition): string[] {
  if ('all' in c) return c.all.flatMap(questionsOf);
  if ('any' in c) return c.any.flatMap(questionsOf);
  if ('not' in c) return questionsOf(c.not);
  return 'tag' in c ? [] : [c.question];
}

export interface AnswerProblem {
  question: string;
  message: string;
}

/** Checks answers against the questionnaire: unknown questions, missing required ones, values not offered. */
export function checkAnswers(pack: PolicyPack, answers: Answers): AnswerProblem[] {
  const problems: AnswerProblem[] = [];
  const byId = new Map(pack.questionnaire.map((q) => [q.id, q]));
  for (const id of Object.keys(answers))
    if (!byId.has(id)) problems.push({ question: id, message: 'is not a question of this policy pack' });
  for (const q of pack.questionnaire) {
    const a = answers[q.id];
    const allowed = (q.options ?? []).map((o) => o.value);
    if (a === undefined) {
      if (q.required !== false) problems.push({ question: q.id, message: 'is required' });
    } else if (q.type === 'boolean') {
      if (typeof a !== 'boolean') problems.push({ question: q.id, message: 'must be true or false' });
    } else if (q.type === 'choice') {
      if (typeof a !== 'string' || !allowed.includes(a))
        problems.push({ question: q.id, message: `must be one of ${allowed.join(', ')}` });
    } else if (
      !Array.isArray(a) ||
      a.some((v) => typeof v !== 'string' || !allowed.includes(v)) ||
      new Set(a).size !== a.length
    ) {
      problems.push({ question: q.id, message: `must be a list of distinct values from ${allowed.join(', ')}` });
    }
  }
  return problems;
}

export interface RuleFiring {
  rule: string;
  description: string;
  /** The answers the rule read, as given. */
  answers: Answers;
  tier?: number;
  tags?: string[];
  euAiAct?: EuAiActCategory;
  note?: string;
}

export interface Classification {
  tier: number;
  tags: string[];
  euAiAct: EuAiActCategory;
  /** Every rule that fired, in pack order: why the tier, tags and category are what they are. */
  trace: RuleFiring[];
}

/**
 * Classifies answers under a pack: the tier is the highest any fired rule demands (1 when none
 * does), tags are the union of fired rules' tags, and the EU AI Act category is the most severe
 * any fired rule assigns (minimal when none does). Call checkAnswers first.
 */
export function classify(pack: PolicyPack, answers: Answers): Classification {
  const trace: RuleFiring[] = [];
  let tier = 1;
  const tags = new Set<string>();
  let euAiAct: EuAiActCategory = 'minimal';
  for (const rule of pack.classification.rules) {
    if (!holds(rule.when, answers)) continue;
    const read = Object.fromEntries(
      [...new Set(questionsOf(rule.when))].filter((q) => answers[q] !== undefined).map((q) => [q, answers[q]!]),
    );
    trace.push({
      rule: rule.id,
      description: rule.description,
      answers: read,
      ...(rule.tier ? { tier: rule.tier } : {}),
      ...(rule.tags ? { tags: rule.tags } : {}),
      ...(rule.euAiAct ? { euAiAct: rule.euAiAct } : {}),
      ...(rule.note ? { note: rule.note } : {}),
    });
    if (rule.tier && rule.tier > tier) tier = rule.tier;
    for (const t of rule.tags ?? []) tags.add(t);
    if (rule.euAiAct && EU_AI_ACT_CATEGORIES.indexOf(rule.euAiAct) > EU_AI_ACT_CATEGORIES.indexOf(euAiAct))
      euAiAct = rule.euAiAct;
  }
  tags.add(`eu-ai-act-${euAiAct}`);
  return { tier, tags: [...tags].sort(), euAiAct, trace };
}

export interface RequiredMeasure {
  measure: string;
  title: string;
  step: string;
  consideration: string;
  /** Where the requirement comes from: matrix cells (`matrix:<consideration>:<tier>`) and regulation requirements (`<regulation>:<requirement>`). */
  sources: string[];
}

/**
 * Every measure a classification requires under the pack on date `on` (YYYY-MM-DD): the matrix
 * cells of its tier, plus each requirement of a regulation whose tag it carries and whose
 * effective window contains the date (a rescinded rule still applies to dates it was in force).
 */
export function requiredMeasures(
  pack: PolicyPack,
  c: Pick<Classification, 'tier' | 'tags'>,
  answers: Answers,
  on: string,
): RequiredMeasure[] {
  const sources = new Map<string, string[]>();
  const add = (measure: string, source: string) => sources.set(measure, [...(sources.get(measure) ?? []), source]);
  for (const [consideration, byTier] of Object.entries(pack.matrix)) {
    for (const m of byTier[String(c.tier)] ?? []) add(m, `matrix:${consideration}:${c.tier}`);
  }
  for (const reg of pack.regulations) {
    if (!c.tags.includes(reg.tag)) continue;
    for (const req of reg.requirements) {
      if (req.effective.from > on || (req.effective.until !== undefined && req.effective.until < on)) continue;
      if (req.appliesWhen && !holds(req.appliesWhen, answers, c.tags)) continue;
      for (const m of req.measures) add(m, `${reg.id}:${req.id}`);
    }
  }
  const byId = new Map(pack.measures.map((m) => [m.id, m]));
  // A required measure's prerequisites are required too.
  const queue = [...sources.keys()];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const pre of byId.get(id)?.requires ?? []) {
      if (!sources.has(pre)) queue.push(pre);
      add(pre, `requires:${id}`);
    }
  }
  const stepOrder = new Map(pack.steps.map((s, i) => [s.id, i]));
  return [...sources.entries()]
    .map(([id, src]) => {
      const m = byId.get(id)!;
      return { measure: id, title: m.title, step: m.step, consideration: m.consideration, sources: src };
    })
    .sort((a, b) => stepOrder.get(a.step)! - stepOrder.get(b.step)! || a.measure.localeCompare(b.measure));
}
