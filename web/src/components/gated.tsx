import { useId, type ButtonHTMLAttributes, type ReactNode } from 'react';

/** The roles that have a part in a governed process and may sign (a viewer only reads). */
export const SIGNING_ROLES = [
  'business-stakeholder',
  'business-analyst',
  'data-scientist',
  'risk-audit',
  'data-ops',
  'production',
  'admin',
];

/**
 * A button the user may not use is disabled, with the reason (the role and team it needs) shown
 * beside it, rather than offered and refused with a 403 after the user acted.
 */
export function GatedButton({
  reason,
  children,
  disabled,
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { reason: string | null; children: ReactNode }) {
  const id = useId();
  return (
    <span className="action-with-reason">
      <button
        type="button"
        {...props}
        disabled={disabled || reason !== null}
        aria-describedby={reason ? id : props['aria-describedby']}
      >
        {children}
      </button>
      {reason && (
        <small id={id} className="muted why-not">
          {reason}
        </small>
      )}
    </span>
  );
}

/** In place of a form the user may not use: what it is for and why it is not offered. */
export function NotOffered({ what, reason }: { what: string; reason: string }) {
  return (
    <p className="muted why-not" role="note">
      {what}: {reason}
    </p>
  );
}
