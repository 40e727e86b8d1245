import type { VersionStatus } from '../api/version-types.ts';
import { Link } from '../router.tsx';
import { num, plainText } from '../ui/basics.tsx';
import { Person } from './person.tsx';

type Requirement = Pick<
  VersionStatus['requirements'][number],
  'status' | 'unmet' | 'reason' | 'failures' | 'considered' | 'waiver' | 'underlying'
>;

/**
 * What a requirement's status rests on: for a failed one, each failure (observed value against the
 * threshold, or the dataset outside the use case's regions) with its evidence id; for checks, every
 * result looked at, oldest first, with the deciding ones marked.
 */
export function RequirementDetail({ r, satisfied = 'met for this artefact' }: { r: Requirement; satisfied?: string }) {
  const considered = r.considered ?? [];
  return (
    <>
      {r.status === 'waived' && r.waiver ? (
        <span>
          {r.underlying ?? 'unmet'}, waived until {r.waiver.expiresAt.slice(0, 16).replace('T', ' ')} by an{' '}
          <Link to="/findings">exception</Link> approved by <Person id={r.waiver.approvedBy} />
        </span>
      ) : r.status === 'failed' && r.failures?.length ? (
        <ul className="compact">
          {r.failures.map((f) => (
            <li key={`${f.evidence} ${f.metric ?? f.dataset ?? ''}`}>
              {f.metric !== undefined && f.observed !== undefined ? (
                <>
                  <strong>{f.metric}</strong> observed {num(f.observed)} (needs {f.comparator} {f.threshold})
                </>
              ) : (
                plainText(f.detail)
              )}{' '}
              <span className="sub" title={`evidence ${f.evidence}`}>
                (a recorded evaluation: see Evidence)
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <span>{r.status === 'satisfied' ? satisfied : plainText((r.unmet ?? []).join('; ') || r.reason || '')}</span>
      )}
      {considered.length > 0 && (
        <details>
          <summary>
            {considered.length} result{considered.length === 1 ? '' : 's'} considered
          </summary>
          <ol className="compact">
            {considered.map((c) => (
              <li key={`${c.evidence} ${c.metric}`}>
                {c.recordedAt?.slice(0, 19).replace('T', ' ') ?? '—'}: {c.metric} {num(c.observed)}{' '}
                {c.holds ? 'holds' : 'fails'} {c.comparator} {c.threshold}
                {c.decides
                  ? ' · decides'
                  : c.current
                    ? ' · superseded by a later result on the same data'
                    : ' · another artefact'}{' '}
                <span className="sub" title={`evidence ${c.evidence}`}>
                  (recorded evaluation)
                </span>
              </li>
            ))}
          </ol>
        </details>
      )}
    </>
  );
}
