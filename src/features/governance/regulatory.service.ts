import type { RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { TaskTable } from '../../db/schema.ts';
import { reaches, regulatoryChanges, type RegulatoryChange } from '../../domain/governance/regulatory.ts';
import type { TaskSpec } from '../../domain/lifecycle/tasks.ts';
import type { Answers } from '../../domain/policy/evaluate.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import type { Emit } from '../../events.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { watchRepo } from './governance.repo.ts';

const DAY_MS = 86_400_000;
const PAGE = 500;

export interface ActivePack {
  id: string;
  activatedAt: string | null;
  pack: PolicyPack;
}

export interface WatchDeps extends CommandDeps {
  events: Emit;
  repo: typeof watchRepo;
  activePackRow: () => Promise<ActivePack | null>;
  /** Opens tasks on a use case (the lifecycle's tasks, due by the step's due days). */
  createTasks: (
    tx: Tx,
    subject: { type: 'model-version' | 'use-case'; id: string; team: string },
    pack: PolicyPack,
    step: string,
    specs: TaskSpec[],
  ) => Promise<TaskTable[]>;
}

interface Assessed {
  useCaseId: string;
  name: string;
  team: string;
  answers: Answers;
  tags: string[];
}

/**
 * The regulatory change watch: the pack's requirements that take effect or lapse, which use cases
 * each reaches, and, once a day, acting on those whose day has come: a re-evaluation task on each
 * reached use case, an audit event (webhooks deliver it) and its versions' promotions re-decided.
 */
export function createRegulatoryWatch(deps: WatchDeps) {
  const { repo } = deps;
  const today = () => deps.clock.now().toISOString().slice(0, 10);

  async function* assessed(exec: Executor, packId: string): AsyncGenerator<Assessed> {
    let after: string | null = null;
    for (;;) {
      const page = await repo.assessed(exec, packId, after, PAGE);
      for (const r of page)
        yield {
          useCaseId: r.use_case_id,
          name: r.name,
          team: r.team,
          answers: JSON.parse(r.answers) as Answers,
          tags: JSON.parse(r.tags) as string[],
        };
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.use_case_id;
    }
  }

  return {
    /**
     * The changes within `days` before and after today, with the use cases each reaches and
     * whether the watch has acted on it.
     */
    async changes(opts: { days: number }) {
      const active = await deps.activePackRow();
      if (!active) return { today: today(), through: null, items: [] };
      const now = deps.clock.now().getTime();
      const from = new Date(now - opts.days * DAY_MS).toISOString().slice(0, 10);
      const to = new Date(now + opts.days * DAY_MS).toISOString().slice(0, 10);
      const changes = regulatoryChanges(active.pack, from, to);
      const reached = changes.map(() => [] as { id: string; name: string }[]);
      for await (const uc of assessed(deps.db, active.id))
        changes.forEach((c, i) => {
          if (reaches(active.pack, c, uc.answers, uc.tags)) reached[i]!.push({ id: uc.useCaseId, name: uc.name });
        });
      const through = await repo.through(deps.db, active.id);
      return {
        today: today(),
        through,
        items: changes.map((c, i) => ({
          ...c,
          upcoming: c.day > today(),
          acted: through !== null && c.day <= through,
          useCases: reached[i]!.length,
          reaches: reached[i]!.slice(0, 50),
        })),
      };
    },

    /**
     * Acts on every change since the watch last looked (the day the pack was activated, the first
     * time) up to today. Replicas racing for the same day act once: the pack's watch row is locked.
     */
    async run(ctx: RequestContext) {
      const active = await deps.activePackRow();
      if (!active) return { through: null, changes: 0, useCases: 0 };
      const at = deps.clock.now().toISOString();
      const day = today();
      return deps.transact(async (tx) => {
        const start = (active.activatedAt ?? at).slice(0, 10);
        const through = await repo.claim(tx, active.id, start < day ? start : day, at);
        if (through >= day) return { through, changes: 0, useCases: 0 };
        const changes = regulatoryChanges(active.pack, through, day);
        const byUseCase = new Map<string, { uc: Assessed; changes: RegulatoryChange[] }>();
        if (changes.length > 0)
          for await (const uc of assessed(tx, active.id))
            for (const c of changes)
              if (reaches(active.pack, c, uc.answers, uc.tags)) {
                const entry = byUseCase.get(uc.useCaseId) ?? { uc, changes: [] };
                entry.changes.push(c);
                byUseCase.set(uc.useCaseId, entry);
              }
        const step = active.pack.steps[0]!.id;
        for (const { uc, changes: mine } of byUseCase.values()) {
          const tasks = await deps.createTasks(
            tx,
            { type: 'use-case', id: uc.useCaseId, team: uc.team },
            active.pack,
            step,
            mine.map((c) => ({
              kind: 'regulatory-change',
              title: `Re-evaluate: ${c.regulationTitle}, ${c.title} ${c.change === 'takes-effect' ? 'takes effect' : 'lapses'} on ${c.day}`,
              role: 'business-stakeholder',
              raci: 'A',
              details: {
                regulation: c.regulation,
                requirement: c.requirement,
                change: c.change,
                day: c.day,
                source: c.source,
                measures: c.measures,
              },
            })),
          );
          await deps.audit.append(tx, ctx, {
            action: 'regulation.change',
            subject: { type: 'use-case', id: uc.useCaseId },
            after: {
              changes: mine.map((c) => ({
                regulation: c.regulation,
                requirement: c.requirement,
                change: c.change,
                day: c.day,
                measures: c.measures,
              })),
              tasks: tasks.map((t) => t.id),
            },
          });
          await deps.events.emit(tx, 'regulation.changed', { ctx, useCaseId: uc.useCaseId });
        }
        await repo.advance(tx, active.id, day, at);
        return { through: day, changes: changes.length, useCases: byUseCase.size };
      });
    },
  };
}

export type RegulatoryWatch = ReturnType<typeof createRegulatoryWatch>;
