import { useState, type ReactNode } from 'react';
import { useSession } from '../session.tsx';
import { Field, Problem } from '../ui/basics.tsx';
import { useAction } from '../ui/hooks.ts';
import { useReauthFields, type SigningCredentials } from './sso-reauth.tsx';

export const MEANINGS = ['approve', 'reject', 'review', 'acknowledge', 'author'] as const;
export type Meaning = (typeof MEANINGS)[number];
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
}: {
  what: ReactNode;
  onSign: (input: SignatureInput) => Promise<void>;
  onCancel: () => void;
  preferredRole?: string;
}) {
  const { me } = useSession();
  const reauth = useReauthFields();
  const roles = [...new Set(me.roles.map((r) => r.role))];
  const [role, setRole] = useState(roles.find((r) => r === preferredRole) ?? roles[0] ?? '');
  const [meaning, setMeaning] = useState<Meaning>('approve');
  const [comment, setComment] = useState('');
  const sign = useAction(async () => {
    await onSign({
      role,
      meaning,
      comment,
      credentials: reauth.credentials,
    });
    reauth.reset();
  });
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
      {reauth.fields}
      <Problem error={sign.error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={sign.busy}>
          Sign
        </button>
      </div>
    </form>
  );
}
