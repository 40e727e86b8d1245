import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { ApiProblem } from '../api/client.ts';
import type { Loaded } from './hooks.ts';

/** What each problem code means, in the words of the person who met it. */
const HEADLINES: Record<string, string> = {
  bad_request: 'This request could not be understood',
  malformed_json: 'This request could not be understood',
  validation_failed: 'Some fields need attention',
  unauthenticated: 'Please sign in again',
  forbidden: 'You are not allowed to do this',
  separation_of_duties: 'Someone independent has to sign',
  reauthentication_failed: 'The password was not accepted',
  training_required: 'Training required',
  not_found: 'Not found',
  conflict: 'This cannot be done right now',
  out_of_order: 'Not yet: an earlier step comes first',
  gate_not_passed: 'Not yet: the gate has not passed',
  precondition_failed: 'The record changed while you were looking at it',
  payload_too_large: 'The file or text is too large',
  unsupported_media_type: 'This kind of file is not accepted',
  invalid_reference: 'Something this refers to does not exist',
  rate_limited: 'Too many attempts: wait a moment and try again',
  internal_error: 'Something went wrong on the server',
  unavailable: 'The service is unavailable right now',
};

/** Names for the fields of a form, by the JSON pointer the API reports them under (or a function of it). */
export type FieldNames = Record<string, string> | ((pointer: string) => string | undefined);

/** A pointer as words when no form names it: `/body/ownerTeam` → "owner team". */
const pointerWords = (pointer: string) =>
  (
    pointer
      .split('/')
      .filter((x) => x && x !== 'body' && x !== 'query')
      .pop() ?? 'the request'
  )
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[-_]/g, ' ')
    .toLowerCase();

const nameOf = (names: FieldNames | undefined, pointer: string) =>
  (typeof names === 'function' ? names(pointer) : names?.[pointer]) ?? pointerWords(pointer);

/** The messages a problem gives for one field (shown next to it), or none. */
export function fieldProblems(error: unknown, pointer: string): string[] {
  if (!(error instanceof ApiProblem)) return [];
  return error.errors.filter((e) => e.pointer === pointer).map((e) => e.message);
}

/**
 * A problem (or any error) in plain words: what it means, the server's reason, and each field
 * error under the field's own name (`names`) rather than its pointer; fields that show their own
 * messages in place are listed as a summary to go to.
 */
export function Problem({ error, names }: { error: unknown; names?: FieldNames }) {
  if (!error) return null;
  const p = error instanceof ApiProblem ? error : null;
  if (p?.code === 'training_required')
    return (
      <div className="problem" role="alert">
        <strong>Training required</strong>: you cannot sign yet. {p.detail}. <a href="/trainings">Open my trainings</a>
      </div>
    );
  const headline = p ? (HEADLINES[p.code] ?? 'This could not be done') : 'Something went wrong';
  // A validation summary says how many fields need attention; their messages stand beside them.
  const generic = p?.code === 'validation_failed' && p.errors.length > 0;
  return (
    <div className="problem" role="alert">
      <strong>{headline}</strong>
      {generic ? (
        <>: {p.errors.length === 1 ? 'one field needs' : `${p.errors.length} fields need`} attention.</>
      ) : (
        <>: {p ? p.detail : String((error as Error)?.message ?? error)}</>
      )}
      {p && p.errors.length > 0 && (
        <ul>
          {p.errors.map((e, i) => (
            <li key={i}>
              <strong>{nameOf(names, e.pointer)}</strong>: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** An action's outcome where its form is: the problem in plain words, or the confirmation of success. */
export function Outcome({ of, names }: { of: { error: unknown; done?: string | null }; names?: FieldNames }) {
  if (of.error) return <Problem error={of.error} names={names} />;
  if (!of.done) return null;
  return (
    <p className="success" role="status">
      {of.done}
    </p>
  );
}

/** Renders a loaded value, a spinner, or the problem. */
export function Async<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ReactNode }) {
  if (state.error) return <Problem error={state.error} />;
  if (state.data === undefined)
    return (
      <p className="muted" aria-busy="true">
        Loading…
      </p>
    );
  return <>{children(state.data)}</>;
}

const TONES: Record<string, string> = {
  ok: 'good',
  satisfied: 'good',
  waived: 'warn',
  accepted: 'good',
  submitted: 'warn',
  passed: 'good',
  completed: 'good',
  valid: 'good',
  done: 'good',
  resolved: 'good',
  verified: 'good',
  true: 'good',
  warning: 'warn',
  stale: 'warn',
  pending: 'warn',
  acknowledged: 'warn',
  open: 'warn',
  current: 'info',
  alerting: 'bad',
  missing: 'bad',
  blocked: 'bad',
  rejected: 'bad',
  critical: 'bad',
  failed: 'bad',
  false: 'bad',
  overdue: 'bad',
};
export function Badge({ value, tone, title }: { value: string; tone?: string; title?: string }) {
  return (
    <span className={`badge ${tone ?? TONES[value] ?? 'neutral'}`} title={title}>
      {value}
    </span>
  );
}

export function TierBadge({ tier }: { tier: number | null | undefined }) {
  if (tier === null || tier === undefined)
    return (
      <span className="badge neutral" title="not assessed yet">
        unassessed
      </span>
    );
  return (
    <span className={`badge tier tier-${tier}`} title={`risk tier ${tier}`}>
      tier {tier}
    </span>
  );
}

export const when = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
/** A moment to the second (audit trails are read at that precision). */
export const whenExact = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) : '—';
/** A number as people read it: integers without decimals, others to four significant places. */
export const num = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : Number.isInteger(v) ? v.toLocaleString() : Number(v.toPrecision(4)).toString();
/**
 * Server text for people: internal ids it quotes ("(evidence 01a2…)") are dropped, since the page
 * names and links what they refer to; long decimals are cut to four significant places.
 */
export const plainText = (s: string) =>
  s
    .replace(/\s*\((?:evidence|id) [0-9a-f-]{36}\)/gi, '')
    .replace(/\s*(?:evidence|id) [0-9a-f]{8}-[0-9a-f-]{27}/gi, '')
    .replace(/\d+\.\d{5,}/g, (d) => String(Number(Number(d).toPrecision(4))));
export const short = (digest: string | null | undefined) =>
  digest ? `${digest.slice(0, 15)}…${digest.slice(-6)}` : '—';

/** A modal dialog on the native <dialog> element (focus trapping and Escape come with it). */
export function Dialog({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  // Several dialogs may sit on one page: each is named by its own heading.
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} onClose={onClose} aria-labelledby={titleId} className="dialog">
      <header>
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="ghost" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      {open && children}
    </dialog>
  );
}

export function Field({ label, children, hint }: { label: string; children: ReactNode; hint?: string }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
      {hint && <small className="muted">{hint}</small>}
    </label>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const id = useId();
  return (
    <section className="card" aria-labelledby={id}>
      <div className="card-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/**
 * Tabs as the WAI-ARIA tabs pattern: a tablist whose selected tab controls the panel that holds
 * `children`; arrow keys, Home and End move between tabs (and select them), Tab moves into the panel.
 */
export function Tabs({
  tabs,
  current,
  onChange,
  children,
}: {
  tabs: string[];
  current: string;
  onChange: (t: string) => void;
  children?: ReactNode;
}) {
  const id = useId();
  const tabId = (i: number) => `${id}-tab-${i}`;
  const panelId = `${id}-panel`;
  const selected = Math.max(0, tabs.indexOf(current));
  const move = (to: number) => {
    const i = (to + tabs.length) % tabs.length;
    onChange(tabs[i]!);
    document.getElementById(tabId(i))?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    const to =
      e.key === 'ArrowRight'
        ? selected + 1
        : e.key === 'ArrowLeft'
          ? selected - 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? tabs.length - 1
              : null;
    if (to === null) return;
    e.preventDefault();
    move(to);
  };
  return (
    <>
      <div role="tablist" className="tabs">
        {tabs.map((t, i) => (
          <button
            key={t}
            id={tabId(i)}
            role="tab"
            type="button"
            aria-selected={i === selected}
            aria-controls={i === selected ? panelId : undefined}
            tabIndex={i === selected ? 0 : -1}
            className={i === selected ? 'active' : ''}
            onClick={() => onChange(t)}
            onKeyDown={onKeyDown}
          >
            {t}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={panelId} aria-labelledby={tabId(selected)} tabIndex={0} className="tabpanel">
        {children}
      </div>
    </>
  );
}
