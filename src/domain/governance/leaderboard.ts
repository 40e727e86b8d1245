// The programme's leaderboard: a score per team and per person from components whose weights the
// policy pack sets, shown with the components so a score can always be explained.

/** What a leaderboard score can be made of; each is a share between 0 and 1. */
export const LEADERBOARD_COMPONENTS = [
  {
    id: 'review-timeliness',
    title: 'Reviews on time',
    description: 'tasks closed in the window that were closed by their due date',
  },
  {
    id: 'evidence-completeness',
    title: 'Evidence completeness',
    description: "requirements satisfied on the team's assessed versions (for a person: versions they registered)",
  },
  {
    id: 'findings-on-time',
    title: 'Findings closed on time',
    description: 'findings closed in the window by their due date',
  },
  {
    id: 'training-current',
    title: 'Training current',
    description: 'required trainings held and current',
  },
] as const;

export type ComponentId = (typeof LEADERBOARD_COMPONENTS)[number]['id'];
export const COMPONENT_IDS = LEADERBOARD_COMPONENTS.map((c) => c.id) as [ComponentId, ...ComponentId[]];

/** Weights used when the pack names none. */
export const DEFAULT_WEIGHTS: Record<ComponentId, number> = {
  'review-timeliness': 40,
  'evidence-completeness': 40,
  'findings-on-time': 10,
  'training-current': 10,
};

/** One component of an entry: its share and the counts behind it (null: nothing to judge). */
export interface Component {
  id: ComponentId;
  value: number | null;
  numerator: number;
  denominator: number;
  weight: number;
}

/**
 * The score (0-100) of one entry: the weighted mean of the components that have something to
 * judge. Components with nothing to judge (a team with no tasks) neither help nor hurt; an entry
 * with none scores null and ranks last.
 */
export function score(components: readonly Component[]): number | null {
  let sum = 0;
  let weights = 0;
  for (const c of components) {
    if (c.value === null || c.weight <= 0) continue;
    sum += c.value * c.weight;
    weights += c.weight;
  }
  return weights === 0 ? null : Math.round((sum / weights) * 1000) / 10;
}

/**
 * Ranks entries by score, highest first (ties share a rank, as in competition ranking "1224"),
 * entries without a score last and unranked.
 */
export function rank<T extends { score: number | null; name: string }>(entries: T[]): (T & { rank: number | null })[] {
  const sorted = [...entries].sort((a, b) =>
    a.score === b.score ? a.name.localeCompare(b.name) : (b.score ?? -1) - (a.score ?? -1),
  );
  let last: number | null = null;
  let lastRank = 0;
  return sorted.map((e, i) => {
    if (e.score === null) return { ...e, rank: null };
    if (e.score !== last) lastRank = i + 1;
    last = e.score;
    return { ...e, rank: lastRank };
  });
}
