import { governanceProblems } from './pack-governance.ts';
import { compileSchema, toFieldErrors } from '../../lib/json-schema.ts';
import { findTooDeep, TOO_DEEP } from '../../lib/depth.ts';
import { findUnstorable } from '../../lib/unstorable.ts';
import { parseRobustnessMetric } from '../robustness/options.ts';
import { isMonitorFamily, MONITOR_FAMILY_IDS } from '../monitoring/families.ts';
import { sectionIds } from '../exports/document.ts';
import { questionsOf } from './evaluate.ts';
import { ConditionSchema, PolicyPackSchema, type Condition, type PolicyPack } from './pack.schema.ts';

export interface PackProblem {
  /** JSON pointer into the pack. */
  path: string;
  message: string;
}

const RACI_ROLES = [
  'business-stakeholder',
  'business-analyst',
  'data-scientist',
  'risk-audit',
  'data-ops',
  'production',
  'admin',
];

let validateShape: ReturnType<typeof compileSchema> | undefined;

/**
 * Validates a policy pack: first its shape against the published JSON Schema, then its meaning:
 * unique ids, conditions that name real questions and offered answers, measures that name real
 * considerations and steps, no prerequisite cycles, a matrix cell for every tier and
 * consideration, regulations that some rule can switch on, one Accountable per RACI task.
 */
export function validatePack(doc: unknown): { pack: PolicyPack | null; problems: PackProblem[] } {
  const deep = findTooDeep(doc);
  if (deep)
    return {
      pack: null,
      problems: [{ path: deep, message: `${TOO_DEEP}; conditions this deep are not meant to be written by hand` }],
    };
  const unstorable = findUnstorable(doc);
  if (unstorable)
    return { pack: null, problems: [{ path: unstorable, message: 'holds a NUL character or an unpaired surrogate' }] };
  validateShape ??= compileSchema({ ...PolicyPackSchema, $defs: { PolicyCondition: ConditionSchema } }, 'body');
  if (!validateShape(doc)) {
    // A condition that matches no branch of its anyOf yields an error per branch; say once what a
    // condition may be, and keep only the specific errors (a bad id, a wrong type) found inside it.
    const errors = validateShape.errors ?? [];
    const anyOfAt = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
    const inside = (path: string) => anyOfAt.some((a) => path === a || path.startsWith(`${a}/`));
    const kept = errors.filter(
      (e) =>
        e.keyword !== 'anyOf' &&
        !(inside(e.instancePath) && ['required', 'additionalProperties', 'type', 'anyOf', 'const'].includes(e.keyword)),
    );
    const problems = [
      ...anyOfAt.map((path) => ({
        path: path || '/',
        message: /\/evidence\/\d+$/.test(path)
          ? 'is not valid evidence: use {kind: signoff, roles, signers?, independent?}, {kind: document, documentKind, acceptedBy?, independent?}, {kind: check, metric, comparator, threshold, datasetRoles?}, {kind: monitoring, monitor, windows?, beats?}, {kind: data-residency} or {kind: ethical-alignment}'
          : 'is not a valid condition: use {question, equals | in | includes | includesAny | isEmpty}, {tag}, {all: [...]}, {any: [...]} or {not: ...}',
      })),
      ...toFieldErrors(kept, '').map((e) => ({ path: e.pointer || '/', message: e.message })),
    ];
    return { pack: null, problems: [...new Map(problems.map((p) => [`${p.path} ${p.message}`, p])).values()] };
  }
  const pack = doc as PolicyPack;
  const problems: PackProblem[] = [];
  const push = (path: string, message: string) => problems.push({ path, message });
  for (const g of governanceProblems(pack)) push(g.pointer, g.message);

  const unique = (items: { id: string }[], where: string) => {
    const seen = new Set<string>();
    items.forEach((it, i) => {
      if (seen.has(it.id)) push(`/${where}/${i}/id`, `duplicate id '${it.id}'`);
      seen.add(it.id);
    });
    return seen;
  };
  const questions = new Map(pack.questionnaire.map((q) => [q.id, q]));
  unique(pack.questionnaire, 'questionnaire');
  unique(pack.classification.rules, 'classification/rules');
  const considerations = unique(pack.considerations, 'considerations');
  const steps = unique(pack.steps, 'steps');
  const measures = unique(pack.measures, 'measures');
  unique(pack.regulations, 'regulations');
  unique(pack.trainings?.courses ?? [], 'trainings/courses');
  const tiers = new Set(pack.tiers.map((t) => t.tier));
  if (tiers.size !== 4) push('/tiers', 'must define each of the tiers 1, 2, 3 and 4 exactly once');

  pack.questionnaire.forEach((q, i) => {
    if (q.type !== 'boolean' && !q.options?.length)
      push(`/questionnaire/${i}/options`, `a ${q.type} question needs options`);
    if (q.type === 'boolean' && q.options) push(`/questionnaire/${i}/options`, 'a boolean question has no options');
  });

  const ruleTags = new Set(
    pack.classification.rules.flatMap((r) => [...(r.tags ?? []), ...(r.euAiAct ? [`eu-ai-act-${r.euAiAct}`] : [])]),
  );
  ruleTags.add('eu-ai-act-minimal');
  const checkCondition = (c: Condition, path: string, tagsAllowed = false) => {
    if ('all' in c) return c.all.forEach((x, i) => checkCondition(x, `${path}/all/${i}`, tagsAllowed));
    if ('any' in c) return c.any.forEach((x, i) => checkCondition(x, `${path}/any/${i}`, tagsAllowed));
    if ('not' in c) return checkCondition(c.not, `${path}/not`, tagsAllowed);
    if ('tag' in c) {
      // Rules decide the tags, so a rule reading one would depend on rule order.
      if (!tagsAllowed)
        return push(path, 'tag conditions belong in regulation requirements, not in classification rules');
      if (!ruleTags.has(c.tag)) push(path, `no classification rule sets the tag '${c.tag}'`);
      return;
    }
    const q = questions.get(c.question);
    if (!q) return push(`${path}/question`, `unknown question '${c.question}'`);
    const offered = new Set<unknown>(q.type === 'boolean' ? [true, false] : (q.options ?? []).map((o) => o.value));
    const values: unknown[] =
      'equals' in c
        ? [c.equals]
        : 'in' in c
          ? c.in
          : 'includes' in c
            ? [c.includes]
            : 'includesAny' in c
              ? c.includesAny
              : [];
    const listTest = 'includes' in c || 'includesAny' in c || 'isEmpty' in c;
    if (listTest && q.type !== 'multi-choice') push(path, `'${c.question}' is not a multi-choice question`);
    if (!listTest && q.type === 'multi-choice')
      push(path, `'${c.question}' is multi-choice: use includes, includesAny or isEmpty`);
    for (const v of values) if (!offered.has(v)) push(path, `'${String(v)}' is not an answer '${c.question}' offers`);
  };
  pack.classification.rules.forEach((r, i) => {
    checkCondition(r.when, `/classification/rules/${i}/when`);
    if (r.tier === undefined && !r.tags?.length && !r.euAiAct)
      push(`/classification/rules/${i}`, 'a rule must set a tier, tags or an EU AI Act category');
    if (questionsOf(r.when).length === 0 && !problems.some((p) => p.path.startsWith(`/classification/rules/${i}/when`)))
      push(`/classification/rules/${i}/when`, 'reads no question');
  });

  pack.measures.forEach((m, i) => {
    if (!considerations.has(m.consideration))
      push(`/measures/${i}/consideration`, `unknown consideration '${m.consideration}'`);
    if (!steps.has(m.step)) push(`/measures/${i}/step`, `unknown step '${m.step}'`);
    m.evidence.forEach((e, j) => {
      if (e.kind === 'check') {
        // Robustness metrics have a grammar of their own; a name outside it would never be recorded.
        if (e.metric.startsWith('robustness.') || e.metric.includes('@')) {
          const parsed = parseRobustnessMetric(e.metric);
          if (!parsed.ok) push(`/measures/${i}/evidence/${j}/metric`, parsed.message);
        }
      }
      if (e.kind !== 'monitoring') return;
      // A name Steward computes nothing for could only ever be declared: refuse it.
      if (!isMonitorFamily(e.monitor))
        push(
          `/measures/${i}/evidence/${j}/monitor`,
          `'${e.monitor}' is not a monitor family Steward computes; use one of ${MONITOR_FAMILY_IDS.join(', ')}`,
        );
      if (e.beats && e.monitor !== 'champion-challenger')
        push(`/measures/${i}/evidence/${j}/beats`, "beats applies to the 'champion-challenger' monitor only");
    });
    (m.requires ?? []).forEach((r, j) => {
      if (!measures.has(r)) push(`/measures/${i}/requires/${j}`, `unknown measure '${r}'`);
    });
  });
  // Prerequisite cycles (depth-first, reporting each cycle once at its first measure).
  const requires = new Map(pack.measures.map((m) => [m.id, m.requires ?? []]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(id)), id];
      push(
        `/measures/${pack.measures.findIndex((m) => m.id === id)}/requires`,
        `prerequisite cycle: ${cycle.join(' -> ')}`,
      );
      return;
    }
    state.set(id, 'visiting');
    for (const r of requires.get(id) ?? []) if (requires.has(r)) visit(r, [...trail, id]);
    state.set(id, 'done');
  };
  for (const m of pack.measures) visit(m.id, []);

  for (const [consideration, byTier] of Object.entries(pack.matrix)) {
    if (!considerations.has(consideration))
      push(`/matrix/${consideration}`, `unknown consideration '${consideration}'`);
    for (const [tier, ids] of Object.entries(byTier)) {
      ids.forEach((id, i) => {
        const m = pack.measures.find((x) => x.id === id);
        if (!m) push(`/matrix/${consideration}/${tier}/${i}`, `unknown measure '${id}'`);
        else if (m.consideration !== consideration)
          push(
            `/matrix/${consideration}/${tier}/${i}`,
            `measure '${id}' serves '${m.consideration}', not '${consideration}'`,
          );
      });
    }
  }
  for (const c of pack.considerations) {
    for (const tier of ['1', '2', '3', '4']) {
      if (!pack.matrix[c.id]?.[tier])
        push(`/matrix/${c.id}/${tier}`, `no cell for consideration '${c.id}' at tier ${tier} (write [] for none)`);
    }
  }

  pack.regulations.forEach((reg, i) => {
    if (!ruleTags.has(reg.tag))
      push(
        `/regulations/${i}/tag`,
        `no classification rule sets the tag '${reg.tag}', so this regulation never applies`,
      );
    const ids = new Set<string>();
    reg.requirements.forEach((req, j) => {
      if (ids.has(req.id)) push(`/regulations/${i}/requirements/${j}/id`, `duplicate requirement id '${req.id}'`);
      ids.add(req.id);
      if (req.effective.until && req.effective.until < req.effective.from)
        push(`/regulations/${i}/requirements/${j}/effective`, 'ends before it begins');
      if (req.appliesWhen) checkCondition(req.appliesWhen, `/regulations/${i}/requirements/${j}/appliesWhen`, true);
      req.measures.forEach((m, k) => {
        if (!measures.has(m)) push(`/regulations/${i}/requirements/${j}/measures/${k}`, `unknown measure '${m}'`);
      });
    });
  });

  pack.raci.forEach((row, i) => {
    if (!steps.has(row.step)) push(`/raci/${i}/step`, `unknown step '${row.step}'`);
    for (const role of Object.keys(row.roles))
      if (!RACI_ROLES.includes(role)) push(`/raci/${i}/roles/${role}`, `unknown role '${role}'`);
    const accountable = Object.values(row.roles).filter((l) => l === 'A' || l === 'A/R').length;
    if (accountable !== 1)
      push(`/raci/${i}/roles`, `task '${row.task}' must have exactly one Accountable role, has ${accountable}`);
  });

  const order = pack.steps.map((s) => s.id);
  unique(pack.processes ?? [], 'processes');
  (pack.processes ?? []).forEach((p, i) => {
    p.steps.forEach((s, j) => {
      if (!steps.has(s)) push(`/processes/${i}/steps/${j}`, `unknown step '${s}'`);
    });
    const positions = p.steps.map((s) => order.indexOf(s)).filter((x) => x >= 0);
    if (positions.some((x, j) => j > 0 && x < positions[j - 1]!))
      push(`/processes/${i}/steps`, `steps must follow the pack's order: ${order.join(', ')}`);
    if (p.appliesWhen) checkCondition(p.appliesWhen, `/processes/${i}/appliesWhen`);
  });
  const envs = new Set<string>();
  // One rule id may vary by tier, but a tier must see each id once.
  const ruleTiers = new Map<string, Set<number>>();
  (pack.alertRules ?? []).forEach((r, i) => {
    const seen = ruleTiers.get(r.id) ?? new Set<number>();
    const tiers = r.tiers ?? [1, 2, 3, 4];
    if (tiers.some((t) => seen.has(t)))
      push(`/alertRules/${i}/id`, `alert rule '${r.id}' is defined twice for tier ${tiers.find((t) => seen.has(t))}`);
    for (const t of tiers) seen.add(t);
    ruleTiers.set(r.id, seen);
  });
  (pack.environments ?? []).forEach((e, i) => {
    if (envs.has(e.id)) push(`/environments/${i}/id`, `duplicate environment '${e.id}'`);
    envs.add(e.id);
    if (e.requires !== null && !steps.has(e.requires))
      push(`/environments/${i}/requires`, `unknown step '${e.requires}'`);
  });
  const aliasOwners = new Map<string, string>();
  (pack.environments ?? []).forEach((e, i) =>
    (e.aliases ?? []).forEach((a, j) => {
      if (aliasOwners.has(a))
        push(`/environments/${i}/aliases/${j}`, `alias '${a}' already serves '${aliasOwners.get(a)}'`);
      aliasOwners.set(a, e.id);
    }),
  );

  (pack.documents ?? []).forEach((t, i) =>
    (t.sections ?? []).forEach((s, j) => {
      const known = sectionIds(t.document);
      if (!known.includes(s.id))
        push(
          `/documents/${i}/sections/${j}/id`,
          `'${s.id}' is not a section of a ${t.document}; use one of ${known.join(', ')}`,
        );
    }),
  );
  return { pack: problems.length === 0 ? pack : null, problems };
}
