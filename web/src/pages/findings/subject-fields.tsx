import { Field } from '../../ui/basics.tsx';

/** What a finding or an exception is about, as the forms collect it. */
export interface SubjectInput {
  kind: 'version' | 'use-case';
  useCase: string;
  model: string;
  version: string;
}

export const emptySubject: SubjectInput = { kind: 'version', useCase: '', model: '', version: '' };

/** The request body's subject fields: `useCase`, or `model` and `version`. */
export const subjectBody = (s: SubjectInput) =>
  s.kind === 'use-case' ? { useCase: s.useCase } : { model: s.model, version: Number(s.version) };

/** Picks a use case (by name or id) or a model version. */
export function SubjectFields({ value, onChange }: { value: SubjectInput; onChange: (s: SubjectInput) => void }) {
  const set = (patch: Partial<SubjectInput>) => onChange({ ...value, ...patch });
  return (
    <div className="row">
      <Field label="Subject">
        <select value={value.kind} onChange={(e) => set({ kind: e.target.value as SubjectInput['kind'] })}>
          <option value="version">a model version</option>
          <option value="use-case">a use case</option>
        </select>
      </Field>
      {value.kind === 'use-case' ? (
        <Field label="Use case" hint="name or id">
          <input value={value.useCase} onChange={(e) => set({ useCase: e.target.value })} required />
        </Field>
      ) : (
        <>
          <Field label="Model">
            <input value={value.model} onChange={(e) => set({ model: e.target.value })} required />
          </Field>
          <Field label="Version">
            <input
              type="number"
              min={1}
              value={value.version}
              onChange={(e) => set({ version: e.target.value })}
              required
            />
          </Field>
        </>
      )}
    </div>
  );
}
