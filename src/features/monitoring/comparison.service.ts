// Champion/challenger comparison of one champion window: the champion's records that the
// challenger logged too (same record id), labelled, compared with McNemar's test and a seeded
// paired bootstrap. The comparison is stored with the window and feeds alerts and evidence.

import type { Executor } from '../../db/database.ts';
import { comparePaired, type PairedComparison, type PairedData } from '../../domain/monitoring/paired.ts';
import { NumberColumn } from '../../tabular/parse.ts';
import type { ChallengersRepo, JointRow } from './challengers.repo.ts';
import type { MonitorConfig } from './monitoring.schema.ts';

/**
 * What a window's comparison found. `status` says why there are no metrics when there are none:
 * the challenger logged nothing at all, nothing on this window's record ids, or nothing labelled.
 */
export interface WindowComparison extends Partial<PairedComparison> {
  challenger: { model: string; version: number; versionId: string };
  status: 'compared' | 'no-challenger-predictions' | 'no-joint-records' | 'no-joint-labels';
  /** Records both versions logged in the window, and of those the labelled ones compared. */
  joint: number;
  labelled: number;
  /** Joint labelled records left out (a regression value that is not a number, a missing prediction). */
  skipped: number;
}

const PAGE = 5000;

/** Why a comparison has no metrics, in words (the measure's unmet reason quotes it). */
export function comparisonReason(c: Pick<WindowComparison, 'status' | 'challenger'>): string | null {
  const who = `challenger ${c.challenger.model}/${c.challenger.version}`;
  switch (c.status) {
    case 'no-challenger-predictions':
      return `${who} has no logged predictions`;
    case 'no-joint-records':
      return `${who} logged no predictions on the champion's record ids`;
    case 'no-joint-labels':
      return `no jointly labelled records with ${who} yet`;
    default:
      return null;
  }
}

export function createComparer(deps: {
  db: Executor;
  challengers: Pick<ChallengersRepo, 'jointPage' | 'hasPredictions' | 'challengerOf'>;
}) {
  const { db, challengers } = deps;

  /** Reads the window's joint records into aligned typed arrays (classes coded as numbers). */
  async function gatherJoint(
    championId: string,
    challengerId: string,
    config: MonitorConfig,
    from: number,
    to: number,
  ): Promise<{ joint: number; skipped: number; data: PairedData }> {
    const yTrue = new NumberColumn();
    const p1 = new NumberColumn();
    const p2 = new NumberColumn();
    const s1 = new NumberColumn();
    const s2 = new NumberColumn();
    let scored = true;
    let joint = 0;
    let skipped = 0;
    const codes = new Map<string, number>();
    const text = (json: string) => {
      const v: unknown = JSON.parse(json);
      return String(v);
    };
    const code = (json: string) => {
      const t = text(json);
      let c = codes.get(t);
      if (c === undefined) codes.set(t, (c = codes.size));
      return c;
    };
    const take = (r: JointRow) => {
      joint++;
      // The truth is the record's, whichever version it was sent to.
      const label = r.label ?? r.challenger_label;
      if (label === null) return;
      if (r.prediction === null || r.challenger_prediction === null) return void skipped++;
      if (config.task === 'regression') {
        const y = Number(text(label));
        const a = Number(text(r.prediction));
        const b = Number(text(r.challenger_prediction));
        if (![y, a, b].every(Number.isFinite)) return void skipped++;
        yTrue.push(y);
        p1.push(a);
        p2.push(b);
        return;
      }
      if (config.task === 'binary-classification') {
        const positive = (j: string) => (text(j) === config.positiveLabel ? 1 : 0);
        yTrue.push(positive(label));
        p1.push(positive(r.prediction));
        p2.push(positive(r.challenger_prediction));
        if (r.score === null || r.challenger_score === null) scored = false;
        else {
          s1.push(r.score);
          s2.push(r.challenger_score);
        }
        return;
      }
      yTrue.push(code(label));
      p1.push(code(r.prediction));
      p2.push(code(r.challenger_prediction));
    };
    for (let after: { ts: number; id: string } | null = null; ;) {
      const page = await challengers.jointPage(db, championId, challengerId, from, to, after, PAGE);
      for (const r of page) take(r);
      if (page.length < PAGE) break;
      const last = page[page.length - 1]!;
      after = { ts: last.ts_ms, id: last.record_id };
    }
    const withScores = config.task === 'binary-classification' && scored;
    return {
      joint,
      skipped,
      data: {
        task: config.task,
        yTrue: yTrue.done(),
        champion: { yPred: p1.done(), ...(withScores ? { score: s1.done() } : {}) },
        challenger: { yPred: p2.done(), ...(withScores ? { score: s2.done() } : {}) },
      },
    };
  }

  return {
    /** The comparison of a champion window with its monitor's challenger; null without a challenger. */
    async window(
      championId: string,
      config: MonitorConfig,
      from: number,
      to: number,
    ): Promise<WindowComparison | null> {
      const c = config.challenger;
      const pairing = c && (await challengers.challengerOf(db, championId));
      if (!c || !pairing) return null;
      const challenger = { model: c.model, version: c.version, versionId: pairing.challenger_version_id };
      const { joint, skipped, data } = await gatherJoint(championId, challenger.versionId, config, from, to);
      const labelled = data.yTrue.length;
      const base = { challenger, joint, labelled, skipped };
      if (labelled > 0)
        return {
          ...base,
          status: 'compared',
          ...comparePaired(data, {
            ...(c.metrics ? { metrics: c.metrics } : {}),
            ...(c.resamples !== undefined ? { resamples: c.resamples } : {}),
            ...(c.seed !== undefined ? { seed: c.seed } : {}),
          }),
        };
      if (joint > 0) return { ...base, status: 'no-joint-labels' };
      return {
        ...base,
        status: (await challengers.hasPredictions(db, challenger.versionId))
          ? 'no-joint-records'
          : 'no-challenger-predictions',
      };
    },
  };
}

export type Comparer = ReturnType<typeof createComparer>;
