import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { loadEvents } from '../../components/audit-events.tsx';
import { NotOffered } from '../../components/gated.tsx';
import { useSession } from '../../session.tsx';
import { Async, Section, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';

/** Saves a blob under a file name through a temporary link (the browser's own download). */
function save(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const localNow = () => {
  const d = new Date(Date.now() - new Date().getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
};

/** Examination packs (the state as of a date, signed) and the inventory for supervisors. */
export function ExaminationsPage() {
  // A pack is the audit trail as of a date: taking one, and listing those taken, read it organisation-wide.
  const mayNot = useSession().why('audit:read');
  const [asOf, setAsOf] = useState(localNow());
  const [scopeKind, setScopeKind] = useState<'organisation' | 'team' | 'use-case'>('organisation');
  const [scopeRef, setScopeRef] = useState('');
  const [made, setMade] = useState<{ filename: string; digest: string; size: string } | null>(null);
  const past = useLoad(
    async () => (mayNot ? { items: [], nextCursor: null } : loadEvents({ action: 'examination.create' })),
    [made, mayNot],
  );
  const create = useAction(async () => {
    const scope = scopeKind === 'organisation' ? 'organisation' : `${scopeKind}:${scopeRef.trim()}`;
    const res = await api.POST('/api/v1/examinations', {
      body: { asOf: new Date(asOf).toISOString(), scope },
      parseAs: 'blob',
    });
    const blob = ok(res) as unknown as Blob;
    const filename =
      /filename="([^"]+)"/.exec(res.response.headers.get('content-disposition') ?? '')?.[1] ?? 'examination.zip';
    save(blob, filename);
    setMade({
      filename,
      digest: res.response.headers.get('x-steward-manifest-digest') ?? '',
      size: res.response.headers.get('x-steward-tree-size') ?? '',
    });
  });
  return (
    <>
      <h1>Examinations</h1>
      <Section title="Examination pack">
        <p className="muted">
          The state of the inventory as it was at a moment, derived from the audit trail and frozen into a ZIP signed
          with the audit key. Examiners check it offline with <code>steward examination verify</code>.
        </p>
        {mayNot ? (
          <NotOffered what="Taking an examination pack" reason={mayNot} />
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void create.act();
            }}
          >
            <label>
              As of{' '}
              <input type="datetime-local" step={1} required value={asOf} onChange={(e) => setAsOf(e.target.value)} />
            </label>{' '}
            <label>
              Scope{' '}
              <select value={scopeKind} onChange={(e) => setScopeKind(e.target.value as typeof scopeKind)}>
                <option value="organisation">whole organisation</option>
                <option value="team">a team</option>
                <option value="use-case">a use case</option>
              </select>
            </label>{' '}
            {scopeKind !== 'organisation' && (
              <label>
                {scopeKind === 'team' ? 'Team' : 'Use case (id or name)'}{' '}
                <input required value={scopeRef} onChange={(e) => setScopeRef(e.target.value)} />
              </label>
            )}{' '}
            <button type="submit" disabled={create.busy}>
              {create.busy ? 'Building…' : 'Build and download'}
            </button>
          </form>
        )}
        <Outcome of={create} />
        {made && (
          <p role="status">
            Downloaded <strong>{made.filename}</strong>: {made.size} events under the signed checkpoint, manifest{' '}
            <code>{made.digest}</code>.
          </p>
        )}
      </Section>
      {!mayNot && (
        <Section title="Packs taken">
          <Async state={past}>
            {(p) =>
              p.items.length === 0 ? (
                <p className="muted">None yet.</p>
              ) : (
                <table className="grid">
                  <thead>
                    <tr>
                      <th scope="col">Taken</th>
                      <th scope="col">By</th>
                      <th scope="col">As of</th>
                      <th scope="col">Scope</th>
                      <th scope="col">Manifest</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.items.map((e) => {
                      const a = (e.after ?? {}) as {
                        asOf?: string;
                        scope?: { kind: string; team?: string; id?: string };
                        manifest?: string;
                      };
                      return (
                        <tr key={e.seq}>
                          <td>{when(e.time)}</td>
                          <td>{e.actor.name}</td>
                          <td>{a.asOf ? when(a.asOf) : ''}</td>
                          <td>
                            {a.scope ? [a.scope.kind, a.scope.team ?? a.scope.id].filter(Boolean).join(': ') : ''}
                          </td>
                          <td>
                            <code>{a.manifest}</code>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )
            }
          </Async>
        </Section>
      )}
      <Section title="Model inventory for supervisors">
        <p className="muted">
          One row per use case, model and version, with owner, tier, category, status, validation and deployment.
        </p>
        <p>
          <a href="/api/v1/exports/inventory?format=xlsx" download>
            Download XLSX
          </a>{' '}
          <a href="/api/v1/exports/inventory?format=csv" download>
            Download CSV
          </a>
        </p>
      </Section>
    </>
  );
}
