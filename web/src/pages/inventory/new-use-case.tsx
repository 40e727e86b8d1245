import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { navigate } from '../../router.tsx';
import { Field, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { useSession } from '../../session.tsx';
import { NotOffered } from '../../components/gated.tsx';

type Kpi = { name: string; unit: string; target: string; direction: 'at-least' | 'at-most' };

/** Registers a use case; the risk questionnaire follows on its page. */
export function NewUseCasePage() {
  const teams = useLoad(async () => ok(await api.GET('/api/v1/teams')).items, []);
  const { can, why, me } = useSession();
  const writers = me.permissionRules.find((r) => r.permission === 'use-case:write')?.roles.join(' or ') ?? '';
  // A use case can be registered only for a team where the user may write use cases.
  const allowed = (teams.data ?? []).filter((t) => can('use-case:write', t.name));
  const [name, setName] = useState('');
  const [objective, setObjective] = useState('');
  const [ownerTeam, setTeam] = useState('');
  const [consumers, setConsumers] = useState<'internal-few' | 'internal-many' | 'public'>('internal-few');
  const [regions, setRegions] = useState('EU');
  const [sector, setSector] = useState('');
  const [personal, setPersonal] = useState(false);
  const [kpis, setKpis] = useState<Kpi[]>([]);
  const create = useAction(async () => {
    const uc = ok(
      await api.POST('/api/v1/use-cases', {
        body: {
          name: name.trim(),
          objective: objective.trim(),
          ownerTeam: ownerTeam || allowed[0]?.name || '',
          consumers,
          regions: regions
            .split(',')
            .map((r) => r.trim())
            .filter(Boolean),
          sector: sector.trim(),
          processesPersonalData: personal,
          kpis: kpis.map((k) => ({
            name: k.name.trim(),
            ...(k.unit.trim() ? { unit: k.unit.trim() } : {}),
            target: Number(k.target),
            direction: k.direction,
          })),
        },
      }),
    );
    navigate(`/use-cases/${uc.id}?tab=Risk assessment`);
  });
  const mayNot = why('use-case:write');
  if (mayNot)
    return (
      <>
        <h1>New use case</h1>
        <NotOffered what="Registering a use case" reason={mayNot} />
      </>
    );
  return (
    <>
      <h1>New use case</h1>
      <form
        className="card form"
        onSubmit={(e) => {
          e.preventDefault();
          void create.act();
        }}
      >
        <Field label="Name">
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={256} />
        </Field>
        <Field label="Objective" hint="what the use case is for, and for whom">
          <textarea value={objective} onChange={(e) => setObjective(e.target.value)} required rows={3} />
        </Field>
        <Field label="Owner team">
          <select value={ownerTeam || allowed[0]?.name || ''} onChange={(e) => setTeam(e.target.value)}>
            {(teams.data ?? []).map((t) => (
              <option key={t.name} value={t.name} disabled={!can('use-case:write', t.name)}>
                {t.displayName || t.name}
                {can('use-case:write', t.name) ? '' : ` (needs ${writers} there)`}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Who consumes the results">
          <select value={consumers} onChange={(e) => setConsumers(e.target.value as typeof consumers)}>
            <option value="internal-few">one team</option>
            <option value="internal-many">many internal users</option>
            <option value="public">the public</option>
          </select>
        </Field>
        <Field label="Regions" hint="comma-separated, e.g. EU, US">
          <input value={regions} onChange={(e) => setRegions(e.target.value)} required />
        </Field>
        <Field label="Sector">
          <input value={sector} onChange={(e) => setSector(e.target.value)} required placeholder="e.g. banking" />
        </Field>
        <label className="check">
          <input type="checkbox" checked={personal} onChange={(e) => setPersonal(e.target.checked)} /> Processes
          personal data
        </label>
        <fieldset>
          <legend>Business KPIs</legend>
          {kpis.map((k, i) => {
            const edit = (c: Partial<Kpi>) => setKpis(kpis.map((x, j) => (j === i ? { ...x, ...c } : x)));
            return (
              <div className="row" key={i}>
                <input
                  aria-label={`KPI ${i + 1} name`}
                  placeholder="name"
                  value={k.name}
                  onChange={(e) => edit({ name: e.target.value })}
                  required
                />
                <select
                  aria-label={`KPI ${i + 1} direction`}
                  value={k.direction}
                  onChange={(e) => edit({ direction: e.target.value as Kpi['direction'] })}
                >
                  <option value="at-least">at least</option>
                  <option value="at-most">at most</option>
                </select>
                <input
                  aria-label={`KPI ${i + 1} target`}
                  placeholder="target"
                  type="number"
                  step="any"
                  value={k.target}
                  onChange={(e) => edit({ target: e.target.value })}
                  required
                />
                <input
                  aria-label={`KPI ${i + 1} unit`}
                  placeholder="unit"
                  value={k.unit}
                  onChange={(e) => edit({ unit: e.target.value })}
                />
                <button type="button" className="ghost" onClick={() => setKpis(kpis.filter((_, j) => j !== i))}>
                  Remove
                </button>
              </div>
            );
          })}
          <button
            type="button"
            className="secondary"
            onClick={() => setKpis([...kpis, { name: '', unit: '', target: '', direction: 'at-least' }])}
          >
            Add KPI
          </button>
        </fieldset>
        <Outcome of={create} />
        <button type="submit" disabled={create.busy}>
          Create use case
        </button>
      </form>
    </>
  );
}
