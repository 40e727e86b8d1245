import { Badge, Section } from '../ui/basics.tsx';
import type { Evidence, Signature } from '../api/version-types.ts';
import { Link } from '../router.tsx';

/** Signatures with printed name, UTC date and time, meaning and role (Part 11 §11.50); a stale one lists what changed since. */
export function Signatures({
  items,
  evidence = [],
  evidencePage,
}: {
  items: Signature[];
  /** The subject's evidence, to name what a stale signature's changes refer to. */
  evidence?: Evidence[];
  /** Where that evidence is listed (the Evidence tab). */
  evidencePage?: string;
}) {
  const byId = new Map(evidence.map((e) => [e.id, e]));
  return (
    <Section title="Signatures">
      {items.length === 0 ? (
        <p className="muted">No signature yet.</p>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Signed by (printed name)</th>
              <th scope="col">Date and time</th>
              <th scope="col">Meaning</th>
              <th scope="col">Role</th>
              <th scope="col">Step</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {items.map((g) => (
              <tr key={g.id}>
                <td>
                  {g.signer.name}
                  <div className="sub">
                    {g.signer.username}
                    {g.comment ? ` · “${g.comment}”` : ''}
                  </div>
                </td>
                <td>{new Date(g.signedAt).toISOString().replace('T', ' ').slice(0, 19)} UTC</td>
                <td>{g.meaning}</td>
                <td>{g.role}</td>
                <td>{g.step}</td>
                <td>
                  <Badge value={g.status} />
                  {g.status === 'stale' && (
                    <ul className="diff" aria-label="changed since signing">
                      {g.changes.map((c, i) => (
                        <li key={i}>
                          <Change c={c as Record<string, unknown>} evidence={byId} page={evidencePage} />
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

const CHANGE: Record<string, string> = { added: 'added', removed: 'removed', replaced: 'replaced' };

/** What a piece of evidence is, in words: its kind and title, never its id. */
function evidenceName(e: Evidence | undefined): string {
  if (!e) return 'evidence no longer listed';
  const spec = e.spec && typeof e.spec === 'object' ? (e.spec as Record<string, unknown>) : {};
  const title = typeof spec.title === 'string' ? spec.title : typeof spec.monitor === 'string' ? spec.monitor : null;
  return `${e.kind.replace(/-/g, ' ')}${title ? ` '${title}'` : ''}`;
}

/** A stale signature's change, in words, naming (and linking) the evidence it concerns. */
function Change({ c, evidence, page }: { c: Record<string, unknown>; evidence: Map<string, Evidence>; page?: string }) {
  if (c.what === 'evidence') {
    const e = evidence.get(String(c.id));
    const name = evidenceName(e);
    return (
      <>
        evidence {CHANGE[String(c.change)] ?? String(c.change)}: {e && page ? <Link to={page}>{name}</Link> : name}
        {e ? ` (${new Date(e.createdAt).toISOString().slice(0, 10)})` : ''}
      </>
    );
  }
  return <>{describeChange(c)}</>;
}

/** A stale signature's change, in words. */
function describeChange(c: Record<string, unknown>): string {
  switch (c.what) {
    case 'evidence':
      return `evidence ${String(c.change)}`;
    case 'requirement':
      return `requirement ${String(c.measure)}: ${String(c.from ?? 'none')} → ${String(c.to ?? 'none')}`;
    default:
      return `${String(c.what)} changed: ${String(c.from ?? '')} → ${String(c.to ?? '')}`;
  }
}
