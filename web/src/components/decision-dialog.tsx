import { useState, type ReactNode } from 'react';
import { useSession } from '../session.tsx';
import { Dialog, Field, Outcome, Problem } from '../ui/basics.tsx';
import { useAction, useLoad } from '../ui/hooks.ts';
import { Refusal, type Eligibility } from './signature-form.tsx';
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
  eligibility,
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
  /** Asks the server whether this decision in this role would be accepted, before any password is asked for. */
  eligibility?: (decision: string, role: string) => Promise<Eligibility>;
}) {
  const { me } = useSession();
  const held = roles && [...new Set(me.roles.map((r) => r.role))].filter((r) => roles.includes(r));
  const [decision, setDecision] = useState(decisions[0]!.value);
  const [role, setRole] = useState(held?.[0] ?? '');
  const [comment, setComment] = useState('');
  const reauth = useReauthFields();
  const check = useLoad(
    async () => (eligibility && role ? eligibility(decision, role) : null),
    [decision, role, eligibility],
  );
  // With an eligibility read, the password is asked for only once the server said the decision would be accepted.
  const cleared = !eligibility || check.data?.allowed === true;
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
        {eligibility && check.loading && !check.data && (
          <p className="muted" aria-busy="true">
            Checking whether you can decide this…
          </p>
        )}
        <Problem error={check.error} />
        {check.data && !check.data.allowed && <Refusal refusal={check.data} act="review" />}
        {cleared && reauth.fields}
        <Outcome of={sign} />
        <div className="actions">
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={sign.busy || !cleared || (held !== undefined && held.length === 0)}>
            Sign
          </button>
        </div>
      </form>
    </Dialog>
  );
}
