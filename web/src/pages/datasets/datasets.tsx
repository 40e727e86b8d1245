import { api, ok } from '../../api/client.ts';
import { Link, enc } from '../../router.tsx';
import { Async, Badge, Section, short, when } from '../../ui/basics.tsx';
import { useLoad } from '../../ui/hooks.ts';

/** Registered datasets with their provenance and personal-data flags. */
export function DatasetsPage() {
  const datasets = useLoad(
    async () => ok(await api.GET('/api/v1/datasets', { params: { query: { limit: 500 } } })).items,
    [],
  );
  return (
    <>
      <h1>Datasets</h1>
      <Section title="Registered datasets">
        <Async state={datasets}>
          {(items) =>
            items.length === 0 ? (
              <p className="muted">No dataset is registered yet (pipelines register them with their digests).</p>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Dataset</th>
                    <th scope="col">Owner</th>
                    <th scope="col">Provenance</th>
                    <th scope="col">Personal data</th>
                    <th scope="col">Latest version</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((d) => (
                    <tr key={d.id}>
                      <td>
                        <Link to={`/datasets/${enc(d.name)}`}>{d.name}</Link>
                        <div className="sub">{d.description}</div>
                      </td>
                      <td>{d.ownerTeam}</td>
                      <td className="sub">
                        {d.provenance.method} · {d.provenance.source}
                      </td>
                      <td>{d.containsPersonalData ? <Badge value="personal data" tone="warn" /> : 'no'}</td>
                      <td>{d.latestVersion ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
    </>
  );
}

/** One dataset: columns with their flags, versions with digests and lineage, and the model versions that used each. */
export function DatasetPage({ id }: { id: string }) {
  const dataset = useLoad(async () => ok(await api.GET('/api/v1/datasets/{id}', { params: { path: { id } } })), [id]);
  const versions = useLoad(
    async () =>
      ok(await api.GET('/api/v1/datasets/{id}/versions', { params: { path: { id }, query: { limit: 200 } } })).items,
    [id],
  );
  return (
    <Async state={dataset}>
      {(d) => (
        <>
          <p className="crumb">
            <Link to="/datasets">Datasets</Link> / dataset
          </p>
          <h1>{d.name}</h1>
          <Section title="Provenance">
            <dl className="facts">
              <dt>Method</dt>
              <dd>{d.provenance.method}</dd>
              <dt>Source</dt>
              <dd>{d.provenance.source}</dd>
              <dt>Lawful basis</dt>
              <dd>{d.provenance.lawfulBasis ?? '—'}</dd>
              <dt>Legal region</dt>
              <dd>{d.legalRegion}</dd>
              <dt>Owner</dt>
              <dd>{d.ownerTeam}</dd>
            </dl>
          </Section>
          <Section title="Columns">
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">Column</th>
                  <th scope="col">Type</th>
                  <th scope="col">Personal data</th>
                  <th scope="col">Protected attribute</th>
                </tr>
              </thead>
              <tbody>
                {d.columns.map((c) => (
                  <tr key={c.name}>
                    <td>
                      {c.name}
                      <div className="sub">{c.description ?? ''}</div>
                    </td>
                    <td>{c.type ?? '—'}</td>
                    <td>{c.piiKind && c.piiKind !== 'none' ? <Badge value={c.piiKind} tone="warn" /> : '—'}</td>
                    <td>{c.protected ? <Badge value="protected" tone="info" /> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section title="Versions and lineage">
            <Async state={versions}>
              {(items) =>
                items.length === 0 ? (
                  <p className="muted">No version yet.</p>
                ) : (
                  <table className="grid">
                    <thead>
                      <tr>
                        <th scope="col">Version</th>
                        <th scope="col">Digest</th>
                        <th scope="col">Rows</th>
                        <th scope="col">Legal region</th>
                        <th scope="col">Derived from</th>
                        <th scope="col">Used by</th>
                      </tr>
                    </thead>
                    <tbody>
                      {[...items].reverse().map((v) => (
                        <tr key={v.id}>
                          <td>
                            v{v.version}
                            <div className="sub">{when(v.createdAt)}</div>
                          </td>
                          <td>
                            <code title={v.digest}>{short(v.digest)}</code>
                          </td>
                          <td>{v.rowCount}</td>
                          <td>{v.legalRegion}</td>
                          <td>{v.derivedFrom.map((f) => `${f.dataset} v${f.version}`).join(', ') || '—'}</td>
                          <td>
                            <Usage id={id} version={v.version} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )
              }
            </Async>
          </Section>
        </>
      )}
    </Async>
  );
}

function Usage({ id, version }: { id: string; version: number }) {
  const usage = useLoad(
    async () =>
      ok(
        await api.GET('/api/v1/datasets/{id}/versions/{version}/usage', {
          params: { path: { id, version }, query: { transitive: true } },
        }),
      ).items,
    [id, version],
  );
  return (
    <Async state={usage}>
      {(items) =>
        items.length === 0 ? (
          <span className="muted">no model version</span>
        ) : (
          <ul className="compact">
            {items.map((u) => (
              <li key={`${u.model}/${u.version}/${u.role}`}>
                <Link to={`/models/${enc(u.model)}/versions/${u.version}`}>
                  {u.model} v{u.version}
                </Link>{' '}
                <span className="sub">
                  ({u.role}
                  {u.depth > 0 ? `, via ${u.viaDataset.dataset} v${u.viaDataset.version}` : ''})
                </span>
              </li>
            ))}
          </ul>
        )
      }
    </Async>
  );
}
