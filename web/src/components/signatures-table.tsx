import { Badge, Section } from '../ui/basics.tsx';
import type { Signature } from '../api/version-types.ts';

/** Signatures with printed name, UTC date and time, meaning and role (Part 11 §11.50); a stale one lists what changed since. */
export function Signatures({ items }: { items: Signature[] }) {
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
                        <li key={i}>{describeChange(c as Record<string, unknown>)}</li>
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

/** A stale signature's change, in words. */
function describeChange(c: Record<string, unknown>): string {
  switch (c.what) {
    case 'evidence':
      return `evidence ${String(c.change)}: ${String(c.id)}`;
    case 'requirement':
      return `requirement ${String(c.measure)}: ${String(c.from ?? 'none')} → ${String(c.to ?? 'none')}`;
    default:
      return `${String(c.what)} changed: ${String(c.from ?? '')} → ${String(c.to ?? '')}`;
  }
}
