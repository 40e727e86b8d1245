import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { ApiProblem } from '../api/client.ts';
import type { Loaded } from './hooks.ts';

/** A problem (or any error) shown in place, with the API's field errors. */
export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  const p = error instanceof ApiProblem ? error : null;
  if (p?.code === 'training_required')
    return (
      <div className="problem" role="alert">
        <strong>Training required</strong>: you cannot sign yet. {p.detail}. <a href="/trainings">Open my trainings</a>
      </div>
    );
  return (
    <div className="problem" role="alert">
      <strong>{p ? `${p.status} ${p.code}` : 'Error'}</strong>:{' '}
      {p ? p.detail : String((error as Error)?.message ?? error)}
      {p && p.errors.length > 0 && (
        <ul>
          {p.errors.map((e, i) => (
            <li key={i}>
              <code>{e.pointer || '/'}</code> {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
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
