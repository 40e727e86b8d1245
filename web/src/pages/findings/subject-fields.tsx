import { api } from '../../api/client.ts';
import { Field } from '../../ui/basics.tsx';
import { useDebounced, useLoad } from '../../ui/hooks.ts';

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

/** The subject as the eligibility reads take it, or null while it is not named in full. */
function queryOf(s: SubjectInput): { useCase: string } | { model: string; version: number } | null {
  if (s.kind === 'use-case') return s.useCase.trim() ? { useCase: s.useCase.trim() } : null;
  const version = Number(s.version);
  return s.model.trim() && Number.isInteger(version) && version >= 1 ? { model: s.model.trim(), version } : null;
}

/**
 * What the server says of the subject typed so far, asked once it is named and typing paused: why
 * the caller may not raise a finding (or request an exception) on it, by the command's own rule,
 * or null; and for a finding, the severities its policy pack allows. An unknown subject says
 * nothing here; sending the form names it.
 */
export function useSubjectEligibility(
  subject: SubjectInput,
  act: 'raise' | 'request',
): { refusal: string | null; severities: string[] | null } {
  // Debounced as text: an equal subject is the same key, whatever object holds it.
  const key = useDebounced(JSON.stringify(queryOf(subject)));
  const answer = useLoad(async () => {
    const query = JSON.parse(key) as ReturnType<typeof queryOf>;
    if (!query) return null;
    if (act === 'raise') {
      const res = await api.GET('/api/v1/findings/eligibility', { params: { query } });
      return res.data ? { hint: res.data.raise, severities: res.data.severities } : null;
    }
    const res = await api.GET('/api/v1/exceptions/eligibility', { params: { query } });
    return res.data ? { hint: res.data.request, severities: null } : null;
  }, [key, act]);
  const hint = answer.data?.hint;
  return { refusal: hint && !hint.allowed ? hint.reason : null, severities: answer.data?.severities ?? null };
}

/** Why the caller may not act on the subject typed so far, or null (see `useSubjectEligibility`). */
export const useSubjectRefusal = (subject: SubjectInput, act: 'raise' | 'request'): string | null =>
  useSubjectEligibility(subject, act).refusal;
