import { useState, type ReactNode } from 'react';
import { useSession } from '../session.tsx';
import { Dialog, Field, Outcome } from '../ui/basics.tsx';
import { useAction } from '../ui/hooks.ts';
import { useReauthFields, type SigningCredentials } from './sso-reauth.tsx';

export interface Decision {
  decision: string;
  role: string;
  comment: string;
  /** The password re-entered, or (single sign-on) the proof of a fresh login at the identity provider. */
  credentials: SigningCredentials;
}

/**
 * A decision taken by an electronic signature (21 CFR Part 11): what is decided, then the signer's
 * printed name, the decision, the role (where it is chosen), a comment and the password entered
 * again. Used for document reviews, pack activations and tier-override decisions.
 */
export function DecisionDialog({
  open,
  title,
  what,
  decisions,
  roles,
  commentRequired,
  onSign,
  onClose,
}: {
  open: boolean;
  title: string;
  what: ReactNode;
  /** The decisions offered (value and button label); the first is preselected. */
  decisions: { value: string; label: string }[];
  /** Roles the signer may decide in (those they hold); omitted when the role is not chosen. */
  roles?: string[];
  /** Whether a decision needs a comment (a rejection says why). */
  commentRequired?: (decision: string) => boolean;
  onSign: (d: Decision) => Promise<void>;
  onClose: () => void;
}) {
  const { me } = useSession();
  const held = roles && [...new Set(me.roles.map((r) => r.role))].filter((r) => roles.includes(r));
  const [decision, setDecision] = useState(decisions[0]!.value);
  const [role, setRole] = useState(held?.[0] ?? '');
  const [comment, setComment] = useState('');
  const reauth = useReauthFields();
  const sign = useAction(async () => {
    await onSign({ decision, role, comment, credentials: reauth.credentials });
    reauth.reset();
    setComment('');
  });
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void sign.act();
        }}
      >
        <div className="signing-what">
          <h3>What you are signing</h3>
          {what}
        </div>
        <p>
          Signing as <strong>{me.displayName}</strong> ({me.username}).
        </p>
        <div className="row">
          {decisions.length > 1 && (
            <Field label="Decision">
              <select value={decision} onChange={(e) => setDecision(e.target.value)}>
                {decisions.map((d) => (
                  <option key={d.value} value={d.value}>
                    {d.label}
                  </option>
                ))}
              </select>
            </Field>
          )}
          {held && (
            <Field
              label="Role"
              hint={held.length === 0 ? 'you hold none of the roles that may decide this' : undefined}
            >
              <select value={role} onChange={(e) => setRole(e.target.value)}>
                {held.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </Field>
          )}
        </div>
        <Field label="Comment">
          <textarea
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            rows={2}
            maxLength={4000}
            required={commentRequired?.(decision) ?? false}
          />
        </Field>
        {reauth.fields}
        <Outcome of={sign} />
        <div className="actions">
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={sign.busy || (held !== undefined && held.length === 0)}>
            Sign
          </button>
        </div>
      </form>
    </Dialog>
  );
}
