import { api, ok } from '../api/client.ts';
import { Badge, Dialog, short } from '../ui/basics.tsx';
import { useCallback } from 'react';
import { SignatureForm, type Meaning } from './signature-form.tsx';
import type { Evidence, VersionStatus } from '../api/version-types.ts';

/**
 * Signing a model version: shows exactly what is signed (the covered state digest, the artefact,
 * the evidence with its hashes, the policy version, the requirement statuses). The covered digest
 * is sent along, so a record that changed while the dialog was open is refused, not signed.
 */
export function SignDialog({
  open,
  onClose,
  onSigned,
  status,
  artifactDigest,
  evidence,
  preferredRole = 'risk-audit',
}: {
  /** The role the form starts with (the signer may pick another they hold). */
  preferredRole?: string;
  open: boolean;
  onClose: () => void;
  onSigned: () => void;
  status: VersionStatus;
  artifactDigest: string | null;
  evidence: Evidence[];
}) {
  const eligibility = useCallback(
    async (role: string, meaning: Meaning) =>
      ok(
        await api.GET('/api/v1/models/{name}/versions/{version}/signatures/eligibility', {
          params: {
            path: { name: status.model, version: status.version },
            query: { role: role as 'risk-audit', meaning },
          },
        }),
      ),
    [status.model, status.version],
  );
  return (
    <Dialog open={open} title={`Sign ${status.model} v${status.version}`} onClose={onClose}>
      <SignatureForm
        preferredRole={preferredRole}
        onCancel={onClose}
        eligibility={eligibility}
        onSign={async ({ role, meaning, comment, credentials }) => {
          ok(
            await api.POST('/api/v1/models/{name}/versions/{version}/signatures', {
              params: { path: { name: status.model, version: status.version } },
              body: {
                role: role as 'risk-audit',
                meaning,
                comment,
                ...credentials,
                ...(status.coveredDigest ? { coveredDigest: status.coveredDigest } : {}),
              },
            }),
          );
          onSigned();
        }}
        what={
          <>
            <dl className="facts">
              <dt>Record</dt>
              <dd>
                {status.model} version {status.version}, at step <strong>{status.step ?? '—'}</strong>
              </dd>
              <dt>State digest</dt>
              <dd>
                <code>{status.coveredDigest ?? '—'}</code>
              </dd>
              <dt>Artefact digest</dt>
              <dd>
                <code>{artifactDigest ?? '—'}</code>
              </dd>
              <dt>Policy</dt>
              <dd>
                {status.policy ? `${status.policy.name} ${status.policy.version} (tier ${status.policy.tier})` : '—'}
              </dd>
            </dl>
            <h4>Evidence ({evidence.length})</h4>
            <ul className="compact">
              {evidence.map((e) => {
                const title = (e.spec as { title?: unknown } | null)?.title;
                return (
                  <li key={e.id}>
                    {e.kind}
                    {typeof title === 'string' ? `: ${title}` : ''}{' '}
                    <code title={e.contentHash}>{short(e.contentHash)}</code>
                  </li>
                );
              })}
            </ul>
            <h4>Requirements</h4>
            <ul className="compact">
              {status.requirements.map((r) => (
                <li key={r.measure}>
                  {r.title} <Badge value={r.status} />
                </li>
              ))}
            </ul>
          </>
        }
      />
    </Dialog>
  );
}
