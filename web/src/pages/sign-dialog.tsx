import { useState } from 'react';
import { api, ok } from '../api/client.ts';
import { useSession } from '../session.tsx';
import { Badge, Dialog, Field, Problem, short } from '../ui/basics.tsx';
import { useAction } from '../ui/hooks.ts';
import type { Evidence, VersionStatus } from './version-types.ts';

const MEANINGS = ['approve', 'reject', 'review', 'acknowledge', 'author'] as const;

/**
 * The electronic signature (21 CFR Part 11): shows exactly what is signed (the covered digest, the
 * artefact, the evidence with its hashes, the policy version, the requirement statuses), asks for
 * the password again, and records role, meaning and comment.
 */
export function SignDialog({ open, onClose, onSigned, status, artifactDigest, evidence }: { open: boolean; onClose: () => void; onSigned: () => void; status: VersionStatus; artifactDigest: string | null; evidence: Evidence[] }) {
  const { me } = useSession();
  const roles = [...new Set(me.roles.map((r) => r.role))];
  const [role, setRole] = useState(roles.find((r) => r === 'risk-audit') ?? roles[0] ?? '');
  const [meaning, setMeaning] = useState<(typeof MEANINGS)[number]>('approve');
  const [comment, setComment] = useState('');
  const [password, setPassword] = useState('');
  const sign = useAction(async () => {
    ok(await api.POST('/api/v1/models/{name}/versions/{version}/signatures', {
      params: { path: { name: status.model, version: status.version } },
      body: { role: role as 'risk-audit', meaning, comment, password, ...(status.coveredDigest ? { coveredDigest: status.coveredDigest } : {}) },
    }));
    setPassword('');
    onSigned();
  });
  return (
    <Dialog open={open} title={`Sign ${status.model} v${status.version}`} onClose={onClose}>
      <form className="form" onSubmit={(e) => { e.preventDefault(); void sign.act(); }}>
        <div className="signing-what">
          <h3>What you are signing</h3>
          <dl className="facts">
            <dt>Record</dt><dd>{status.model} version {status.version}, at step <strong>{status.step ?? '—'}</strong></dd>
            <dt>State digest</dt><dd><code>{status.coveredDigest ?? '—'}</code></dd>
            <dt>Artefact digest</dt><dd><code>{artifactDigest ?? '—'}</code></dd>
            <dt>Policy</dt><dd>{status.policy ? `${status.policy.name} ${status.policy.version} (tier ${status.policy.tier})` : '—'}</dd>
          </dl>
          <h4>Evidence ({evidence.length})</h4>
          <ul className="compact">
            {evidence.map((e) => {
              const title = (e.spec as { title?: unknown } | null)?.title;
              return <li key={e.id}>{e.kind}{typeof title === 'string' ? `: ${title}` : ''} <code title={e.contentHash}>{short(e.contentHash)}</code></li>;
            })}
          </ul>
          <h4>Requirements</h4>
          <ul className="compact">
            {status.requirements.map((r) => <li key={r.measure}>{r.title} <Badge value={r.status} /></li>)}
          </ul>
        </div>
        <p>Signing as <strong>{me.displayName}</strong> ({me.username}).</p>
        <div className="row">
          <Field label="Role">
            <select value={role} onChange={(e) => setRole(e.target.value)}>
              {roles.map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
          </Field>
          <Field label="Meaning">
            <select value={meaning} onChange={(e) => setMeaning(e.target.value as typeof meaning)}>
              {MEANINGS.map((m) => <option key={m} value={m}>{m}</option>)}
            </select>
          </Field>
        </div>
        <Field label="Comment"><textarea value={comment} onChange={(e) => setComment(e.target.value)} rows={2} maxLength={4000} /></Field>
        <Field label="Password" hint="re-enter your password to sign"><input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required /></Field>
        <Problem error={sign.error} />
        <div className="actions">
          <button type="button" className="secondary" onClick={onClose}>Cancel</button>
          <button type="submit" disabled={sign.busy}>Sign</button>
        </div>
      </form>
    </Dialog>
  );
}
