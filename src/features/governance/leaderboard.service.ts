import {
  DEFAULT_WEIGHTS,
  LEADERBOARD_COMPONENTS,
  rank,
  score,
  type Component,
  type ComponentId,
} from '../../domain/governance/leaderboard.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import type { Executor } from '../../db/database.ts';
import type { Clock } from '../../clock.ts';
import type { GovernanceRepo, TeamShare } from './governance.repo.ts';
import type { RequirementKpis } from './kpis.service.ts';
import { trainingTallies } from './trainings.fns.ts';

const DAY_MS = 86_400_000;

/** A component another feature computes over its own tables (findings closed on time, trainings held). */
export type LeaderboardSource = (
  since: string,
  now: string,
) => Promise<{
  component: ComponentId;
  teams: TeamShare[];
  people: { person: string; numerator: number; denominator: number }[];
}>;

export interface LeaderboardDeps {
  db: Executor;
  clock: Clock;
  repo: Pick<GovernanceRepo, 'closedTasks' | 'closedFindings' | 'userNames' | 'roleHolders' | 'latestCompletions'>;
  activePack: () => Promise<PolicyPack | null>;
  requirementKpisNow: (pack: PolicyPack | null) => Promise<RequirementKpis>;
  sources: LeaderboardSource[];
  /** Set when people are shown pseudonymised: a stable pseudonym of a user id. */
  pseudonym: ((userId: string) => string) | null;
}

type Tally = Map<string, Map<ComponentId, [number, number]>>;

const add = (t: Tally, key: string, c: ComponentId, num: number, den: number) => {
  let m = t.get(key);
  if (!m) t.set(key, (m = new Map()));
  const slot = m.get(c) ?? [0, 0];
  m.set(c, [slot[0] + num, slot[1] + den]);
};

/**
 * The leaderboard per team and per person: each entry's components (shares with the counts behind
 * them) and its score, the weighted mean the pack's `programme.leaderboard.weights` define.
 */
export function createLeaderboardService(deps: LeaderboardDeps) {
  return {
    async board(opts: { days?: number } = {}) {
      const pack = await deps.activePack();
      const weights: Record<string, number> = pack?.programme?.leaderboard?.weights ?? DEFAULT_WEIGHTS;
      const days = opts.days ?? pack?.programme?.leaderboard?.windowDays ?? 90;
      const at = deps.clock.now();
      const now = at.toISOString();
      const since = new Date(at.getTime() - days * DAY_MS).toISOString();
      const teams: Tally = new Map();
      const people: Tally = new Map();

      for (const r of await deps.repo.closedTasks(deps.db, since)) {
        if (r.team !== '*') add(teams, r.team, 'review-timeliness', r.on_time, r.total);
        if (r.closed_by) add(people, r.closed_by, 'review-timeliness', r.on_time, r.total);
      }
      for (const r of await deps.repo.closedFindings(deps.db, since)) {
        add(teams, r.team, 'findings-on-time', r.on_time, r.total);
        add(people, r.owner_id, 'findings-on-time', r.on_time, r.total);
      }
      const [holders, latest] = await Promise.all([
        deps.repo.roleHolders(deps.db),
        deps.repo.latestCompletions(deps.db),
      ]);
      const trained = new Map<string, [number, number]>();
      for (const t of trainingTallies(pack, holders, latest, now.slice(0, 10))) {
        if (t.team !== '*') add(teams, t.team, 'training-current', t.current, t.required);
        const slot = trained.get(t.person) ?? [0, 0];
        // A person's trainings count once however many teams they hold the role in.
        trained.set(t.person, [Math.max(slot[0], t.current), Math.max(slot[1], t.required)]);
      }
      for (const [person, [num, den]] of trained) add(people, person, 'training-current', num, den);
      const requirements = await deps.requirementKpisNow(pack);
      for (const v of requirements.values)
        if (v.kpi === 'evidence-coverage' && v.team !== '*')
          add(teams, v.team, 'evidence-completeness', v.numerator ?? 0, v.denominator ?? 0);
      for (const [person, [num, den]] of Object.entries(requirements.byPerson))
        add(people, person, 'evidence-completeness', num, den);
      for (const source of deps.sources) {
        const s = await source(since, now);
        for (const r of s.teams) add(teams, r.team, s.component, r.numerator, r.denominator);
        for (const r of s.people) add(people, r.person, s.component, r.numerator, r.denominator);
      }

      const components = (m: Map<ComponentId, [number, number]>): Component[] =>
        LEADERBOARD_COMPONENTS.filter((c) => (weights[c.id] ?? 0) > 0).map((c) => {
          const [num, den] = m.get(c.id) ?? [0, 0];
          return {
            id: c.id,
            value: den === 0 ? null : Math.round((num / den) * 10_000) / 10_000,
            numerator: num,
            denominator: den,
            weight: weights[c.id] ?? 0,
          };
        });

      const names = await deps.repo.userNames(deps.db, [...people.keys()]);
      const personName = (id: string) => (deps.pseudonym ? deps.pseudonym(id) : (names.get(id) ?? id));
      return {
        at: now,
        evidenceComputed: requirements.computed,
        windowDays: days,
        weights,
        pseudonymised: deps.pseudonym !== null,
        components: LEADERBOARD_COMPONENTS.filter((c) => (weights[c.id] ?? 0) > 0),
        teams: rank(
          [...teams].map(([team, m]) => {
            const cs = components(m);
            return { id: team, name: team, score: score(cs), components: cs };
          }),
        ),
        people: rank(
          [...people].map(([id, m]) => {
            const cs = components(m);
            return {
              // A pseudonymised board names no one, not even by id.
              id: deps.pseudonym ? deps.pseudonym(id) : id,
              name: personName(id),
              score: score(cs),
              components: cs,
            };
          }),
        ),
      };
    },
  };
}

export type LeaderboardService = ReturnType<typeof createLeaderboardService>;
