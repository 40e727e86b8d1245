// Monitoring evidence: what a version's monitoring computed, as the policy's status machinery
// reads it. Each computed family gives one record saying how many windows ago it was last
// computed; a family that was not computed gives no record, or one with the reason. Nothing a
// configuration merely names counts.

import type { Executor } from '../../db/database.ts';
import { windowStart } from '../../domain/monitoring/alerts.ts';
import { windowsAgo } from '../../domain/monitoring/families.ts';
import type { EvidenceRecord } from '../../domain/policy/status.ts';
import type { MonitorWindowTable } from '../../db/schema.ts';
import type { ChallengersRepo, EvidenceInputs } from './challengers.repo.ts';
import { comparisonReason, type WindowComparison } from './comparison.service.ts';

const DAY_MS = 86_400_000;

const metricsOf = (c: WindowComparison) =>
  Object.fromEntries(Object.entries(c.metrics ?? {}).map(([k, m]) => [k, { improvement: m.improvement, p: m.p }]));

/** What a version without windows, predictions or a use case is read as. */
const NOTHING: EvidenceInputs = {
  windowMs: null,
  drift: undefined,
  performance: undefined,
  comparison: undefined,
  compared: undefined,
  lastPredictionMs: null,
  kpis: [],
};

/**
 * The monitoring evidence records of each of `versionIds` at `nowMs`, read for all of them at once
 * (a page of the inventory asks for fifty): input drift, labelled performance, event logging, KPI
 * tracking, and champion/challenger, both where the version is the champion (its monitor names a
 * challenger) and where it is the challenger of another version.
 */
export async function monitoringEvidence(
  repo: Pick<ChallengersRepo, 'evidenceInputs' | 'championsOfMany' | 'challengersOf' | 'latestCompared'>,
  exec: Executor,
  versionIds: string[],
  nowMs: number,
): Promise<Map<string, EvidenceRecord[]>> {
  const [inputs, pairings, champions] = await Promise.all([
    repo.evidenceInputs(exec, versionIds),
    repo.challengersOf(exec, versionIds),
    repo.championsOfMany(exec, versionIds),
  ]);
  // A champion's newest compared window, read once however many versions it challenges.
  const championWindows = new Map<string, MonitorWindowTable | undefined>();
  for (const c of new Set([...champions.values()].flat())) championWindows.set(c, await repo.latestCompared(exec, c));
  return new Map(
    versionIds.map((id) => [
      id,
      recordsOf(id, inputs.get(id) ?? NOTHING, pairings.has(id), champions.get(id) ?? [], championWindows, nowMs),
    ]),
  );
}

function recordsOf(
  versionId: string,
  inputs: EvidenceInputs,
  paired: boolean,
  champions: string[],
  championWindows: Map<string, MonitorWindowTable | undefined>,
  nowMs: number,
): EvidenceRecord[] {
  const size = inputs.windowMs ?? DAY_MS;
  const out: EvidenceRecord[] = [];
  const fallbackId = `monitoring:${versionId}`;
  const fromWindow = (monitor: string, w: MonitorWindowTable | undefined) => {
    if (w)
      out.push({
        id: w.config_id ?? fallbackId,
        kind: 'monitoring',
        monitor,
        windowsAgo: windowsAgo(Number(w.window_end_ms), nowMs, size),
      });
  };
  fromWindow('input-drift', inputs.drift);
  fromWindow('performance-decay', inputs.performance);
  if (inputs.lastPredictionMs !== null)
    out.push({
      id: inputs.drift?.config_id ?? fallbackId,
      kind: 'monitoring',
      monitor: 'event-logging',
      windowsAgo: windowsAgo(windowStart(inputs.lastPredictionMs, size) + size, nowMs, size),
    });

  const missingKpi = inputs.kpis.find((k) => k.lastMs === null);
  out.push(
    inputs.kpis.length === 0
      ? { id: fallbackId, kind: 'monitoring', monitor: 'kpi-tracking', reason: 'the use case defines no KPIs' }
      : missingKpi
        ? {
            id: fallbackId,
            kind: 'monitoring',
            monitor: 'kpi-tracking',
            reason: `KPI '${missingKpi.name}' has no recorded value`,
          }
        : {
            id: fallbackId,
            kind: 'monitoring',
            monitor: 'kpi-tracking',
            // Every KPI must be on schedule: the stalest one decides.
            windowsAgo: Math.max(...inputs.kpis.map((k) => windowsAgo(k.lastMs!, nowMs, size))),
          },
  );

  // As champion: the newest window compared on jointly labelled records, and why the newest comparison did not.
  if (paired) {
    const compared = inputs.compared;
    if (compared)
      out.push({
        id: compared.config_id ?? fallbackId,
        kind: 'monitoring',
        monitor: 'champion-challenger',
        windowsAgo: windowsAgo(Number(compared.window_end_ms), nowMs, size),
        comparison: { role: 'champion', metrics: metricsOf(JSON.parse(compared.comparison!) as WindowComparison) },
      });
    const newest = inputs.comparison && (JSON.parse(inputs.comparison.comparison!) as WindowComparison);
    const reason = newest && comparisonReason(newest);
    if (reason && !compared) out.push({ id: fallbackId, kind: 'monitoring', monitor: 'champion-challenger', reason });
  }
  // As challenger: each champion comparing against this version, its newest compared window.
  for (const champion of champions) {
    const w = championWindows.get(champion);
    if (!w) continue;
    out.push({
      id: w.config_id ?? fallbackId,
      kind: 'monitoring',
      monitor: 'champion-challenger',
      windowsAgo: windowsAgo(Number(w.window_end_ms), nowMs, Number(w.window_end_ms) - Number(w.window_start_ms)),
      comparison: { role: 'challenger', metrics: metricsOf(JSON.parse(w.comparison!) as WindowComparison) },
    });
  }
  if (!paired && champions.length === 0)
    out.push({
      id: fallbackId,
      kind: 'monitoring',
      monitor: 'champion-challenger',
      reason: 'no challenger is monitored beside this version',
    });
  else if (paired && !inputs.comparison && !inputs.compared)
    out.push({
      id: fallbackId,
      kind: 'monitoring',
      monitor: 'champion-challenger',
      reason: 'no comparison computed yet',
    });
  return out;
}
