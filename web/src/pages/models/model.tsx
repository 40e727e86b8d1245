import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { Link, enc, navigate } from '../../router.tsx';
import { Async, Badge, Field, Section, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { Person } from '../../components/person.tsx';
import { NotOffered } from '../../components/gated.tsx';
import { useSession } from '../../session.tsx';

export function ModelPage({ name }: { name: string }) {
  const model = useLoad(async () => ok(await api.GET('/api/v1/models/{name}', { params: { path: { name } } })), [name]);
  // The model's team is its use case's: every change to it is authorised there.
  const useCase = useLoad(
    async () =>
      model.data
        ? ok(await api.GET('/api/v1/use-cases/{id}', { params: { path: { id: model.data.useCaseId } } }))
        : null,
    [model.data?.useCaseId],
  );
  const team = useCase.data?.ownerTeam;
  const versions = useLoad(
    async () =>
      ok(await api.GET('/api/v1/models/{name}/versions', { params: { path: { name }, query: { limit: 200 } } })).items,
    [name],
  );
  return (
    <Async state={model}>
      {(m) => (
        <>
          <div className="page-head">
            <div>
              <p className="crumb">
                <Link to="/inventory">Inventory</Link> /{' '}
                <Link to={`/use-cases/${m.useCaseId}`}>{useCase.data?.name ?? 'use case'}</Link> / model
              </p>
              <h1>{m.name}</h1>
              <p className="meta">
                <Badge value={m.health ?? 'no-data'} />{' '}
                {Object.entries(m.aliases).map(([a, v]) => (
                  <Badge key={a} value={`${a} → v${v}`} tone="neutral" />
                ))}
              </p>
              {m.description && <p className="prose">{m.description}</p>}
            </div>
          </div>
          <Section title="Versions">
            <Async state={versions}>
              {(items) =>
                items.length === 0 ? (
                  <p className="muted">No version yet.</p>
                ) : (
                  <table className="grid">
                    <thead>
                      <tr>
                        <th scope="col">Version</th>
                        <th scope="col">MLflow stage</th>
                        <th scope="col">Artefact digest</th>
                        <th scope="col">Framework</th>
                        <th scope="col">Registered</th>
                      </tr>
                    </thead>
                    <tbody>
                      {[...items].reverse().map((v) => (
                        <tr key={v.id}>
                          <td>
                            <Link to={`/models/${enc(m.name)}/versions/${v.version}`}>v{v.version}</Link>
                          </td>
                          <td>{v.stage}</td>
                          <td>
                            <code title={v.artifactDigest ?? ''}>
                              {v.artifactDigest ? `${v.artifactDigest.slice(0, 19)}…` : '—'}
                            </code>
                          </td>
                          <td>{v.framework ?? '—'}</td>
                          <td>
                            {when(v.createdAt)} · <Person id={v.createdBy} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )
              }
            </Async>
          </Section>
          {team && (
            <>
              <Aliases name={m.name} team={team} aliases={m.aliases} onChanged={model.reload} />
              <Rename name={m.name} team={team} />
              <RegisterVersion name={m.name} team={team} />
            </>
          )}
        </>
      )}
    </Async>
  );
}

function RegisterVersion({ name, team }: { name: string; team: string }) {
  const mayNot = useSession().why('version:write', team);
  const [artifactUri, setUri] = useState('');
  const [artifactDigest, setDigest] = useState('');
  const [framework, setFramework] = useState('');
  const [repository, setRepo] = useState('');
  const [commit, setCommit] = useState('');
  const register = useAction(async () => {
    const v = ok(
      await api.POST('/api/v1/models/{name}/versions', {
        params: { path: { name } },
        body: {
          artifactUri: artifactUri.trim(),
          artifactDigest: artifactDigest.trim(),
          ...(framework.trim() ? { framework: framework.trim() } : {}),
          ...(repository.trim() ? { code: { repository: repository.trim(), commit: commit.trim() } } : {}),
        },
      }),
    );
    navigate(`/models/${enc(name)}/versions/${v.version}`);
  });
  if (mayNot)
    return (
      <Section title="Register a version">
        <NotOffered what="Registering a version" reason={mayNot} />
      </Section>
    );
  return (
    <Section title="Register a version">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void register.act();
        }}
      >
        <Field label="Artefact URI" hint="where the model file lives, e.g. s3://models/churn/7/model.onnx">
          <input value={artifactUri} onChange={(e) => setUri(e.target.value)} required />
        </Field>
        <Field label="Artefact digest" hint="sha256:… of the exact file (the record everything is signed against)">
          <input value={artifactDigest} onChange={(e) => setDigest(e.target.value)} required placeholder="sha256:" />
        </Field>
        <Field label="Framework">
          <input value={framework} onChange={(e) => setFramework(e.target.value)} placeholder="e.g. onnx, sklearn" />
        </Field>
        <div className="row">
          <Field label="Code repository">
            <input value={repository} onChange={(e) => setRepo(e.target.value)} />
          </Field>
          <Field label="Commit">
            <input value={commit} onChange={(e) => setCommit(e.target.value)} required={repository.trim() !== ''} />
          </Field>
        </div>
        <Outcome of={register} />
        <button type="submit" disabled={register.busy}>
          Register version
        </button>
      </form>
    </Section>
  );
}

/** Aliases (champion, challenger...): on a governed model, moving one is a promotion through the gates. */
function Aliases({
  name,
  team,
  aliases,
  onChanged,
}: {
  name: string;
  team: string;
  aliases: Record<string, number>;
  onChanged: () => void;
}) {
  const mayNot = useSession().why('alias:write', team);
  const [alias, setAlias] = useState('champion');
  const [version, setVersion] = useState('1');
  const act = useAction(async (what: 'set' | 'remove', a: string) => {
    if (what === 'set')
      ok(
        await api.PUT('/api/v1/models/{name}/aliases/{alias}', {
          params: { path: { name, alias: a } },
          body: { version: Number(version) },
        }),
      );
    else ok(await api.DELETE('/api/v1/models/{name}/aliases/{alias}', { params: { path: { name, alias: a } } }));
    onChanged();
  });
  return (
    <Section title="Aliases">
      {Object.keys(aliases).length === 0 ? (
        <p className="muted">No alias.</p>
      ) : (
        <ul className="compact">
          {Object.entries(aliases).map(([a, v]) => (
            <li key={a}>
              <code>{a}</code> → v{v}{' '}
              {!mayNot && (
                <button
                  type="button"
                  className="ghost"
                  onClick={() => void act.act('remove', a)}
                  aria-label={`Remove alias ${a}`}
                >
                  remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {mayNot ? (
        <NotOffered what="Pointing or removing an alias" reason={mayNot} />
      ) : (
        <form
          className="form inline"
          onSubmit={(e) => {
            e.preventDefault();
            void act.act('set', alias);
          }}
        >
          <Field label="Alias">
            <input value={alias} onChange={(e) => setAlias(e.target.value)} required />
          </Field>
          <Field label="Version">
            <input type="number" min={1} value={version} onChange={(e) => setVersion(e.target.value)} required />
          </Field>
          <button type="submit" className="secondary" disabled={act.busy}>
            Point alias
          </button>
        </form>
      )}
      <Outcome of={act} />
    </Section>
  );
}

/** Renaming keeps the model's history, versions and signatures (they refer to its id). */
function Rename({ name, team }: { name: string; team: string }) {
  const mayNot = useSession().why('model:write', team);
  const [to, setTo] = useState(name);
  const rename = useAction(async () => {
    const m = ok(await api.PATCH('/api/v1/models/{name}', { params: { path: { name } }, body: { name: to } }));
    navigate(`/models/${enc(m.name)}`, { replace: true });
  });
  if (mayNot)
    return (
      <Section title="Rename">
        <NotOffered what="Renaming the model" reason={mayNot} />
      </Section>
    );
  return (
    <Section title="Rename">
      <form
        className="form inline"
        onSubmit={(e) => {
          e.preventDefault();
          void rename.act();
        }}
      >
        <Field label="New name">
          <input value={to} onChange={(e) => setTo(e.target.value)} required />
        </Field>
        <button type="submit" className="secondary" disabled={rename.busy || to === name}>
          Rename
        </button>
      </form>
      <Outcome of={rename} />
    </Section>
  );
}
