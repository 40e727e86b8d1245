import { useState, type ReactNode } from 'react';
import type { paths } from '../api/schema.gen.ts';
import { useSession } from '../session.tsx';
import { Field, Outcome, Problem } from '../ui/basics.tsx';
import { useAction, useLoad } from '../ui/hooks.ts';
import { useReauthFields, type SigningCredentials } from './sso-reauth.tsx';

export const MEANINGS = ['approve', 'reject', 'review', 'acknowledge', 'author'] as const;
export type Meaning = (typeof MEANINGS)[number];
/** Whether the signer may sign in a role and meaning, asked before the password field is shown. */
export type Eligibility = Pick<
  paths['/api/v1/models/{name}/versions/{version}/signatures/eligibility']['get']['responses'][200]['content']['application/json'],
  'role' | 'allowed' | 'code' | 'reason' | 'canSign' | 'training'
>;
export interface SignatureInput {
  role: string;
  meaning: Meaning;
  comment: string;
  /** The password re-entered, or (single sign-on) the proof of a fresh login at the identity provider. */
  credentials: SigningCredentials;
}

/**
 * The electronic-signature form (21 CFR Part 11): what is signed, then the signer's printed
 * name, role, meaning and comment, and the password entered again.
 */
export function SignatureForm({
  what,
  onSign,
  onCancel,
  preferredRole,
  eligibility,
}: {
  what: ReactNode;
  onSign: (input: SignatureInput) => Promise<void>;
  onCancel: () => void;
  preferredRole?: string;
  /** Asks the server whether this signer may sign (separation of duties, training) before any password is typed. */
  eligibility?: (role: string, meaning: Meaning) => Promise<Eligibility>;
}) {
  const { me } = useSession();
  const reauth = useReauthFields();
  const roles = [...new Set(me.roles.map((r) => r.role))];
  const [role, setRole] = useState(roles.find((r) => r === preferredRole) ?? roles[0] ?? '');
  const [meaning, setMeaning] = useState<Meaning>('approve');
  const [comment, setComment] = useState('');
  const check = useLoad(
    async () => (eligibility && role ? eligibility(role, meaning) : null),
    [role, meaning, eligibility],
  );
  // The password is asked for only once the server said this signature would be accepted.
  const cleared = !eligibility || check.data?.allowed === true;
  const sign = useAction(async () => {
    await onSign({
      role,
      meaning,
      comment,
      credentials: reauth.credentials,
    });
    reauth.reset();
  }, 'Signed.');
  return (
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
        <Field label="Role">
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Meaning">
          <select value={meaning} onChange={(e) => setMeaning(e.target.value as Meaning)}>
            {MEANINGS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Field label="Comment">
        <textarea value={comment} onChange={(e) => setComment(e.target.value)} rows={2} maxLength={4000} />
      </Field>
      {eligibility && check.loading && !check.data && (
        <p className="muted" aria-busy="true">
          Checking whether you can sign…
        </p>
      )}
      <Problem error={check.error} />
      {check.data && !check.data.allowed && <Refusal refusal={check.data} />}
      {cleared && reauth.fields}
      <Outcome of={sign} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={sign.busy || !cleared}>
          Sign
        </button>
      </div>
    </form>
  );
}

/** Why the signer cannot sign (or review) here, and who can instead, in plain words. */
export function Refusal({ refusal, act = 'sign' }: { refusal: Eligibility; act?: 'sign' | 'review' }) {
  return (
    <div className="refusal" role="alert">
      <p>
        <strong>
          You cannot {act} this as {refusal.role}
        </strong>
        : {refusal.reason}.
      </p>
      {refusal.training && (
        <p>
          Record the training first: <a href="/trainings">open my trainings</a>.
        </p>
      )}
      {refusal.canSign.length > 0 ? (
        <p>
          Who can {act} instead:{' '}
          {refusal.canSign.map((c, i) => (
            <span key={c.username}>
              {i > 0 && ', '}
              <strong>{c.displayName}</strong> ({c.username})
            </span>
          ))}
          .
        </p>
      ) : (
        refusal.code === 'separation_of_duties' && (
          <p>No one else holding {refusal.role} is independent of it: an administrator can grant the role.</p>
        )
      )}
    </div>
  );
}
