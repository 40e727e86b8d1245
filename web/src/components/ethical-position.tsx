import { useState } from 'react';
import { api, ok } from '../api/client.ts';
import { Async, Field, Section, when, Outcome } from '../ui/basics.tsx';
import { useAction, useLoad } from '../ui/hooks.ts';

/** The organisation's ethical position: the current version, and publishing a new one (admin). */
export function EthicalPositionView({ canPublish }: { canPublish: boolean }) {
  const position = useLoad(async () => ok(await api.GET('/api/v1/ethical-position')), []);
  const [draft, setDraft] = useState({
    wellbeingAspects: '',
    psychologicalImpact: '',
    financialImpact: '',
    transparency: '',
    accountability: '',
  });
  const publish = useAction(async () => {
    ok(
      await api.PUT('/api/v1/ethical-position', {
        body: {
          ...draft,
          wellbeingAspects: draft.wellbeingAspects
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        },
      }),
    );
    position.reload();
  });
  const field = (k: keyof typeof draft, label: string) => (
    <Field label={label}>
      <textarea rows={2} value={draft[k]} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} required />
    </Field>
  );
  return (
    <Section title="Ethical position">
      <Async state={position}>
        {(p) =>
          p.current ? (
            <dl className="facts">
              <dt>Version</dt>
              <dd>
                {p.current.version}, {when(p.current.createdAt)}
              </dd>
              <dt>Wellbeing aspects</dt>
              <dd>{p.current.wellbeingAspects.join(', ')}</dd>
              <dt>Psychological impact</dt>
              <dd>{p.current.psychologicalImpact}</dd>
              <dt>Financial impact</dt>
              <dd>{p.current.financialImpact}</dd>
              <dt>Transparency</dt>
              <dd>{p.current.transparency}</dd>
              <dt>Accountability</dt>
              <dd>{p.current.accountability}</dd>
            </dl>
          ) : (
            <p className="muted">No ethical position is published yet.</p>
          )
        }
      </Async>
      {canPublish && (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void publish.act();
          }}
        >
          <h3>Publish a new version</h3>
          <Field label="Wellbeing aspects (comma-separated)">
            <input
              value={draft.wellbeingAspects}
              onChange={(e) => setDraft({ ...draft, wellbeingAspects: e.target.value })}
              required
            />
          </Field>
          {field('psychologicalImpact', 'Psychological impact')}
          {field('financialImpact', 'Financial impact')}
          {field('transparency', 'Transparency')}
          {field('accountability', 'Accountability')}
          <Outcome of={publish} />
          <button type="submit" disabled={publish.busy}>
            Publish
          </button>
        </form>
      )}
    </Section>
  );
}
