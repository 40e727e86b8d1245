import { Fragment } from 'react';
import type { PolicyPack } from '../../api/pack.ts';
import { fieldProblems, Outcome, TierBadge } from '../../ui/basics.tsx';

export type Answers = Record<string, string | boolean | string[]>;
type Question = PolicyPack['questionnaire'][number];

/** What the create form already asked, as the use case records it. */
export interface UseCaseFacts {
  consumers: string;
  regions: string[];
  sector: string;
  processesPersonalData: boolean;
}

const ANSWER_POINTER = '/body/answers/';
const questionDomId = (id: string) => `question-${id}`;
/** The heading of questions that name no group. */
export const DEFAULT_GROUP = 'Questions';

const optionFor = (q: Question, value: string) => {
  const v = value.trim().toLowerCase();
  if (!v) return undefined;
  return (q.options ?? []).find(
    (o) =>
      o.value.toLowerCase() === v ||
      o.label
        .toLowerCase()
        .split(/[^a-z0-9-]+/)
        .includes(v),
  )?.value;
};

/**
 * The answers the use case already gives (who consumes the results, personal data, sector,
 * regions), for the questions of the pack that ask them; a value the question does not offer is
 * left for the person to answer.
 */
export function prefill(questionnaire: Question[], u: UseCaseFacts): Answers {
  const out: Answers = {};
  const byId = new Map(questionnaire.map((q) => [q.id, q]));
  const consumers = byId.get('consumers');
  if (consumers?.type === 'choice' && optionFor(consumers, u.consumers))
    out.consumers = optionFor(consumers, u.consumers)!;
  const personal = byId.get('personalData');
  if (personal?.type === 'boolean') out.personalData = u.processesPersonalData;
  const sector = byId.get('sector');
  if (sector?.type === 'choice' && optionFor(sector, u.sector)) out.sector = optionFor(sector, u.sector)!;
  const regions = byId.get('regions');
  if (regions?.type === 'multi-choice') {
    // EU member states and the EEA count as the EU; GB is the United Kingdom; the rest is elsewhere.
    const offered = new Set((regions.options ?? []).map((o) => o.value));
    const mapped = u.regions.map((r) =>
      offered.has(r) ? r : r === 'EEA' ? 'EU' : r === 'GB' ? 'UK' : r.startsWith('US-') ? 'US' : 'other',
    );
    const values = [...new Set(mapped)].filter((v) => offered.has(v));
    if (values.length > 0) out.regions = values;
  }
  return out;
}

/** The questionnaire's questions under their groups, in the pack's order. */
export function grouped(questionnaire: Question[]): [string, Question[]][] {
  const groups = new Map<string, Question[]>();
  for (const q of questionnaire) {
    const g = q.group ?? DEFAULT_GROUP;
    groups.set(g, [...(groups.get(g) ?? []), q]);
  }
  return [...groups];
}

/**
 * The risk questionnaire: questions grouped, required ones marked, progress counted, answers the
 * use case already gave filled in (and said so), and each refused answer shown at its question
 * under the question's own text.
 */
export function QuestionnaireForm({
  pack,
  given,
  prefilled,
  set,
  submit,
}: {
  pack: PolicyPack;
  given: Answers;
  prefilled: Set<string>;
  set: (q: string, v: string | boolean | string[]) => void;
  submit: { act: () => Promise<void>; busy: boolean; error: unknown; done: string | null };
}) {
  const questions = pack.questionnaire;
  const answered = questions.filter((q) => given[q.id] !== undefined).length;
  const text = new Map(questions.map((q) => [q.id, q.text]));
  return (
    <form
      className="form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit.act();
      }}
    >
      <div className="progress">
        <progress max={questions.length} value={answered} aria-label="questions answered" />
        <span role="status">
          {answered} of {questions.length} answered
        </span>
      </div>
      <p className="sub">
        <span className="required-mark" aria-hidden="true">
          *
        </span>{' '}
        marks a required question.
      </p>
      {grouped(questions).map(([group, qs]) => (
        <div key={group} className="question-group">
          <h3>{group}</h3>
          {qs.map((q) => {
            const problems = fieldProblems(submit.error, `${ANSWER_POINTER}${q.id}`);
            const required = q.required !== false;
            return (
              <fieldset
                key={q.id}
                id={questionDomId(q.id)}
                className={`question${problems.length > 0 ? ' invalid' : ''}`}
                aria-invalid={problems.length > 0 || undefined}
                aria-describedby={problems.length > 0 ? `${questionDomId(q.id)}-problem` : undefined}
              >
                <legend>
                  {q.text}
                  {required ? (
                    <>
                      {' '}
                      <span className="required-mark" aria-hidden="true">
                        *
                      </span>
                      <span className="sr-only"> (required)</span>
                    </>
                  ) : (
                    <span className="muted"> (optional)</span>
                  )}
                </legend>
                {q.help && <p className="sub">{q.help}</p>}
                {prefilled.has(q.id) && <p className="sub">Filled in from the use case: check it.</p>}
                <Choices q={q} given={given} set={set} />
                {problems.length > 0 && (
                  <p className="field-problem" id={`${questionDomId(q.id)}-problem`}>
                    {problems.join('; ')}
                  </p>
                )}
              </fieldset>
            );
          })}
        </div>
      ))}
      <Outcome
        of={submit}
        names={(pointer) =>
          pointer.startsWith(ANSWER_POINTER) ? text.get(pointer.slice(ANSWER_POINTER.length)) : undefined
        }
      />
      <button type="submit" disabled={submit.busy}>
        Classify
      </button>
    </form>
  );
}

function Choices({
  q,
  given,
  set,
}: {
  q: Question;
  given: Answers;
  set: (q: string, v: string | boolean | string[]) => void;
}) {
  if (q.type === 'boolean')
    return (
      <>
        {['yes', 'no'].map((label) => (
          <label key={label} className="check">
            <input
              type="radio"
              name={q.id}
              checked={given[q.id] === (label === 'yes')}
              onChange={() => set(q.id, label === 'yes')}
            />{' '}
            {label}
          </label>
        ))}
      </>
    );
  if (q.type === 'choice')
    return (
      <>
        {(q.options ?? []).map((o) => (
          <label key={o.value} className="check">
            <input type="radio" name={q.id} checked={given[q.id] === o.value} onChange={() => set(q.id, o.value)} />{' '}
            {o.label}
          </label>
        ))}
      </>
    );
  const list = Array.isArray(given[q.id]) ? (given[q.id] as string[]) : [];
  return (
    <>
      {(q.options ?? []).map((o) => (
        <label key={o.value} className="check">
          <input
            type="checkbox"
            data-question={q.id}
            checked={list.includes(o.value)}
            onChange={(e) => set(q.id, e.target.checked ? [...list, o.value] : list.filter((x) => x !== o.value))}
          />{' '}
          {o.label}
        </label>
      ))}
    </>
  );
}

interface Firing {
  rule: string;
  description: string;
  tier?: number;
  euAiAct?: string;
  tags?: string[];
  answers: Record<string, unknown>;
}

/**
 * The classification as a reader needs it first: "Tier N of M" with the tier's name and one line
 * on why (the rules that set that tier); the full rule trace folded beneath.
 */
export function TierSummary({
  tier,
  tiers,
  trace,
  overridden,
}: {
  tier: number;
  tiers: { tier: number; name: string }[];
  trace: Firing[];
  overridden: boolean;
}) {
  const of = Math.max(tier, ...tiers.map((t) => t.tier));
  const name = tiers.find((t) => t.tier === tier)?.name;
  const deciding = trace.filter((f) => f.tier === tier);
  const why = overridden
    ? 'the tier was overridden (see below)'
    : deciding.length === 0
      ? 'no rule raised it above the lowest tier'
      : `${deciding[0]!.description.replace(/\.$/, '')}${deciding.length > 1 ? ` (and ${deciding.length - 1} more rule${deciding.length > 2 ? 's' : ''} at this tier)` : ''}`;
  return (
    <>
      <p className="tier-summary">
        <TierBadge tier={tier} />{' '}
        <strong>
          Tier {tier} of {of}
        </strong>
        {name && <> ({name})</>}: {why}.
      </p>
      <details>
        <summary>The full rule trace ({trace.length} rules fired)</summary>
        <ol className="trace">
          {trace.map((f, i) => (
            <li key={i}>
              <strong>{f.rule}</strong>: {f.description}
              {f.tier !== undefined && <> → tier {f.tier}</>}
              {f.euAiAct && <> · {f.euAiAct}</>}
              {f.tags && f.tags.length > 0 && <> · {f.tags.join(', ')}</>}
              <div className="sub">
                answers read:{' '}
                {Object.entries(f.answers).map(([k, v], j) => (
                  <Fragment key={k}>
                    {j > 0 && '; '}
                    {k} = {Array.isArray(v) ? v.join(', ') || '(none)' : String(v)}
                  </Fragment>
                ))}
              </div>
            </li>
          ))}
        </ol>
      </details>
    </>
  );
}
