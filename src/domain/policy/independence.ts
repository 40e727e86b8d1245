import type { PolicyPack } from './pack.schema.ts';

/**
 * The roles that some measure of the packs asks to sign as independent (effective challenge): a
 * person holding one of them may approve others' work as its independent reviewer, so who grants
 * it, and to whom, is a separation-of-duties question.
 */
export function independentRoles(packs: Pick<PolicyPack, 'measures'>[]): Set<string> {
  const roles = new Set<string>();
  for (const pack of packs)
    for (const m of pack.measures)
      for (const e of m.evidence) if (e.kind === 'signoff' && e.independent) for (const r of e.roles) roles.add(r);
  return roles;
}
