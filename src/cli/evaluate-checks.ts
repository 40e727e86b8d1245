import type { PolicyPack } from '../domain/policy/pack.schema.ts';
import { judgeMetrics, type PackCheckResult } from '../domain/policy/status.ts';
import { validatePack } from '../domain/policy/validate.ts';
import { DEFAULT_PACK_FILE, readPackFile } from '../features/policy/pack-file.ts';
import { UsageError } from './client.ts';

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(4));

/** The pack offline evaluations are judged against: `--pack`, or the pack shipped with Steward. */
export function packForChecks(file: string | undefined): PolicyPack {
  const { doc, problems } = readPackFile(file ?? DEFAULT_PACK_FILE);
  const { pack, problems: invalid } = doc === undefined ? { pack: null, problems: [] } : validatePack(doc);
  if (!pack) {
    const first = [...problems, ...invalid][0];
    throw new UsageError(`--pack ${file}: not a valid policy pack${first ? ` (${first.path}: ${first.message})` : ''}`);
  }
  return pack;
}

/** The pack's checks an offline evaluation speaks to, each judged: the table `steward evaluate` prints. */
export function checkTable(
  pack: PolicyPack,
  metrics: Record<string, unknown>,
): { rows: PackCheckResult[]; lines: string[] } {
  const rows = judgeMetrics(pack, metrics);
  const lines = ['', `policy checks (${pack.name} ${pack.version})`];
  if (rows.length === 0) lines.push("  none of the pack's checks reads these metrics");
  for (const r of rows)
    lines.push(
      `  ${(r.holds ? 'ok' : 'FAILED').padEnd(7)} ${r.measure.padEnd(28)} ${r.metric.padEnd(28)} ${fmt(r.observed).padStart(10)} ${r.comparator} ${r.threshold}`,
    );
  return { rows, lines };
}

interface ServerRequirement {
  measure: string;
  status: string;
  failures?: {
    metric?: string;
    observed?: number;
    comparator?: string;
    threshold?: number;
    evidence: string;
    detail: string;
  }[];
  considered?: { evidence: string; metric: string; observed: number; holds: boolean; decides: boolean }[];
}

/**
 * After an upload: the version's check requirements as the server now judges them (the latest
 * result per artefact and dataset decides), failed ones with the observed value and evidence id.
 */
export function serverCheckLines(requirements: ServerRequirement[]): string[] {
  const checks = requirements.filter((r) => (r.considered ?? []).length > 0);
  if (checks.length === 0) return [];
  const lines = ['', 'policy checks of the version (as the server judges them)'];
  for (const r of checks) {
    if (r.status === 'failed')
      for (const f of r.failures ?? [])
        lines.push(
          `  ${'FAILED'.padEnd(9)} ${r.measure.padEnd(28)} ${f.metric !== undefined && f.observed !== undefined ? `${f.metric} ${fmt(f.observed)} ${f.comparator} ${f.threshold} (evidence ${f.evidence})` : f.detail}`,
        );
    else {
      const deciding = (r.considered ?? []).filter((c) => c.decides);
      lines.push(
        `  ${r.status.padEnd(9)} ${r.measure.padEnd(28)} ${deciding.map((c) => `${c.metric} ${fmt(c.observed)}`).join(', ')}`,
      );
    }
  }
  return lines;
}
