import type { RequestContext } from '../../context.ts';
import type { AttestationTable } from '../../db/schema-attestations.ts';
import type { AttestationKind } from '../../domain/attestations.ts';
import type { AttestationRules } from '../../domain/policy/pack-attestations.ts';
import { heldRole, roleRefusal } from '../common/authorize.ts';
import type { Refusal } from '../common/hints.ts';
import { signerRefusal } from '../common/signing.ts';

/** The roles that decide an attestation of `kind`: the owners attest, validators revalidate. */
export const decidersOf = (kind: AttestationKind, rules: AttestationRules): string[] =>
  kind === 'owner' ? rules.attestedBy : rules.revalidatedBy;

/**
 * Why the caller may not decide attestation `r` (credentials and training aside), or null. Owners
 * hold an attesting role in the use case's team; validators a revalidating role, and are
 * independent of the owners: neither an owner of the use case nor the one who made the cycle's
 * other decision. `cycle` holds the use case's rows (any cycle; those of `r`'s are used). The
 * decision command and the listing's hints share this rule.
 */
export function decideRefusal(
  ctx: RequestContext,
  r: AttestationTable,
  rules: AttestationRules,
  cycle: readonly AttestationTable[],
  name: string,
): Refusal | null {
  const kind = r.kind as AttestationKind;
  const verb = kind === 'owner' ? `attest use case '${name}'` : `revalidate use case '${name}'`;
  const role = roleRefusal(ctx, decidersOf(kind, rules), r.team, verb);
  if (role) return role;
  const signer = signerRefusal(ctx);
  if (signer) return signer;
  const p = ctx.principal!;
  const other = cycle.find((x) => x.due_on === r.due_on && x.kind !== kind && x.decided_by === p.userId);
  const owns = kind === 'validator' && heldRole(ctx, rules.attestedBy, r.team) !== null;
  if (other || owns) {
    const rule = owns
      ? `a validator revalidates independently of the use case's owners (${rules.attestedBy.join(', ')} in team '${r.team}')`
      : 'the owner attestation and the revalidation of a cycle are made by different people';
    return {
      code: 'separation_of_duties',
      message: `${p.username} may not ${verb}: ${rule}`,
      reason: owns
        ? `You are an owner of use case '${name}' (you hold ${heldRole(ctx, rules.attestedBy, r.team)} in team '${r.team}'): its revalidation must come from a validator independent of its owners.`
        : `You made this cycle's ${kind === 'owner' ? 'revalidation' : 'owner attestation'}: the ${kind === 'owner' ? 'owner attestation' : 'revalidation'} must come from someone else.`,
      extra: { attestation: r.id },
      detail: { rule },
    };
  }
  if (r.status !== 'open')
    return {
      code: 'conflict',
      message: `attestation ${r.id} was decided already`,
      reason: 'It was decided already.',
    };
  return null;
}
