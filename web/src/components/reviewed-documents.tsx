import { useCallback, useState } from 'react';
import { api, ok } from '../api/client.ts';
import type { VersionStatus } from '../api/version-types.ts';
import { Badge, Section, short, when } from '../ui/basics.tsx';
import { DecisionDialog } from './decision-dialog.tsx';
import { Person } from './person.tsx';
import { useSession } from '../session.tsx';
import { GatedButton } from './gated.tsx';

export type ReviewedDocument = VersionStatus['documents'][number];
type Rule = ReviewedDocument['acceptance'][number];

const ALL_ROLES = [
  'business-stakeholder',
  'business-analyst',
  'data-scientist',
  'risk-audit',
  'data-ops',
  'production',
  'admin',
];

/** Who may accept a document, in words. */
export const describeAcceptance = (rules: Rule[]): string =>
  rules.length === 0
    ? "the owner's team"
    : rules
        .map(
          (r) =>
            `${r.acceptedBy.map((x) => (x === 'owner-team' ? "the owner's team" : x)).join(' or ')}${r.independent ? ' (independent of the author)' : ''}`,
        )
        .join('; or ');

const rolesOf = (rules: Rule[]): string[] =>
  rules.length === 0 || rules.some((r) => r.acceptedBy.includes('owner-team'))
    ? ALL_ROLES
    : [...new Set(rules.flatMap((r) => r.acceptedBy))];

/**
 * A version's or use case's documents with their review state: only an accepted current revision
 * counts toward a measure. A submitted revision can be accepted or rejected by an e-signature.
 */
export function ReviewedDocuments({
  documents,
  subject,
  team,
  title = 'Documents and their reviews',
  onChanged,
}: {
  documents: ReviewedDocument[];
  subject: { model: string; version: number } | { useCase: string };
  /** The team owning the subject: a reviewer must hold an accepting role there. */
  team: string;
  title?: string;
  onChanged: () => void;
}) {
  const [reviewing, setReviewing] = useState<ReviewedDocument | null>(null);
  const { whyRole } = useSession();
  const documentId = reviewing?.id;
  // Asked before the password: the server's answer (role, training, the kind's rule, independence from the author).
  const eligibility = useCallback(
    async (decision: string, role: string) => {
      const query = { role: role as 'risk-audit', decision: decision as 'accepted' | 'rejected' };
      if ('model' in subject)
        return ok(
          await api.GET('/api/v1/models/{name}/versions/{version}/documents/{documentId}/review/eligibility', {
            params: { path: { name: subject.model, version: subject.version, documentId: documentId! }, query },
          }),
        );
      return ok(
        await api.GET('/api/v1/use-cases/{id}/documents/{documentId}/review/eligibility', {
          params: { path: { id: subject.useCase, documentId: documentId! }, query },
        }),
      );
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [documentId, JSON.stringify(subject)],
  );
  return (
    <Section title={title}>
      {documents.length === 0 ? (
        <p className="muted">No document yet.</p>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Title</th>
              <th scope="col">Submitted</th>
              <th scope="col">Review</th>
              <th scope="col">Accepted by</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {documents.map((d) => (
              <tr key={d.id}>
                <td>{d.kind}</td>
                <td>
                  {d.title}
                  <div className="sub">
                    <code title={d.contentHash}>{short(d.contentHash)}</code>
                  </div>
                </td>
                <td>
                  {when(d.createdAt)}
                  <div className="sub">
                    <Person id={d.createdBy} />
                  </div>
                </td>
                <td>
                  <Badge value={d.state} />
                  {d.review && (
                    <div className="sub">
                      {d.review.decision} by {d.review.reviewer.name} as {d.review.role}, {when(d.review.reviewedAt)}
                      {d.review.comment && <>: “{d.review.comment}”</>}
                    </div>
                  )}
                </td>
                <td className="sub">{describeAcceptance(d.acceptance)}</td>
                <td>
                  {d.state === 'submitted' && (
                    <GatedButton
                      className="secondary"
                      aria-label={`Review ${d.title}`}
                      reason={whyRole(rolesOf(d.acceptance), team)}
                      onClick={() => setReviewing(d)}
                    >
                      Review…
                    </GatedButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {reviewing && (
        <DecisionDialog
          open
          title={`Review ${reviewing.title}`}
          decisions={[
            { value: 'accepted', label: 'Accept' },
            { value: 'rejected', label: 'Reject' },
          ]}
          roles={rolesOf(reviewing.acceptance)}
          commentRequired={(d) => d === 'rejected'}
          eligibility={eligibility}
          onClose={() => setReviewing(null)}
          onSign={async ({ decision, role, comment, credentials }) => {
            const body = {
              decision: decision as 'accepted' | 'rejected',
              role: role as 'risk-audit',
              ...credentials,
              ...(comment ? { comment } : {}),
            };
            if ('model' in subject)
              ok(
                await api.POST('/api/v1/models/{name}/versions/{version}/documents/{documentId}/review', {
                  params: { path: { name: subject.model, version: subject.version, documentId: reviewing.id } },
                  body,
                }),
              );
            else
              ok(
                await api.POST('/api/v1/use-cases/{id}/documents/{documentId}/review', {
                  params: { path: { id: subject.useCase, documentId: reviewing.id } },
                  body,
                }),
              );
            setReviewing(null);
            onChanged();
          }}
          what={
            <dl className="facts">
              <dt>Document</dt>
              <dd>
                {reviewing.title} ({reviewing.kind}), revision <code>{reviewing.id}</code>
              </dd>
              <dt>Content hash</dt>
              <dd>
                <code>{reviewing.contentHash}</code>
              </dd>
              <dt>Submitted</dt>
              <dd>
                {when(reviewing.createdAt)} by <Person id={reviewing.createdBy} />
              </dd>
              <dt>Accepted by</dt>
              <dd>{describeAcceptance(reviewing.acceptance)}</dd>
            </dl>
          }
        />
      )}
    </Section>
  );
}
