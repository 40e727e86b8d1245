import { OWNER_TEAM, type PolicyPack } from './pack.schema.ts';

/**
 * The roles that some measure of the packs asks to sign, or to accept documents, as independent
 * (effective challenge): a person holding one of them may approve others' work as its independent
 * reviewer, so who grants it, and to whom, is a separation-of-duties question.
 */
export function independentRoles(packs: Pick<PolicyPack, 'measures' | 'documentReview'>[]): Set<string> {
  const roles = new Set<string>();
  const add = (rs: string[]) => rs.filter((r) => r !== OWNER_TEAM).forEach((r) => roles.add(r));
  for (const pack of packs) {
    for (const m of pack.measures)
      for (const e of m.evidence) {
        if (e.kind === 'signoff' && e.independent) add(e.roles);
        // Accepting a document independently of its author is an effective challenge too.
        if (e.kind === 'document' && e.independent && e.acceptedBy) add(e.acceptedBy);
      }
    for (const d of pack.documentReview ?? []) if (d.independent) add(d.acceptedBy);
  }
  return roles;
}
