import { Type } from 'typebox';
import type { RequestContext } from '../../context.ts';
import type { Principal } from '../../domain/authz.ts';
import { canonicalDigest } from '../../domain/jcs.ts';
import type { Reauthentication } from '../../domain/lifecycle/manifest.ts';
import { memoize } from '../../lib/memo.ts';
import { refuse, refusalOf, trainingWords, type Refusal } from './hints.ts';

/**
 * Credentials re-presented at the moment of signing (Part 11 §11.200): the password, a `sign`-scoped
 * token, or (with single sign-on) the proof of a fresh login at the identity provider.
 */
export interface SigningCredentials {
  password?: string;
  token?: string;
  reauthProof?: string;
}

/** What a feature needs to take electronic signatures (identity's re-authentication, the server key). */
export interface Signing {
  /**
   * Throws `reauthentication_failed` unless the credentials are the caller's own, re-entered now;
   * first, `training_required` when the signer lacks a training that `roles` (the role signed in,
   * or the roles any of which could give the signature) require to sign.
   */
  reauthenticate(
    ctx: RequestContext,
    credentials: SigningCredentials,
    roles: readonly string[],
  ): Promise<Reauthentication>;
  signDigest(digest: string): string;
  /**
   * The training gate alone (the first check of `reauthenticate`), for the reads that say before
   * any password whether a signature would be refused; absent where no gate stands.
   */
  gate?(ctx: RequestContext, roles: readonly string[]): Promise<void>;
}

/** Re-authentication behind the training gate: the one path every e-signature takes. */
export const gatedReauthentication =
  (
    gate: (ctx: RequestContext, roles: readonly string[]) => Promise<void>,
    reauthenticate: (ctx: RequestContext, credentials: SigningCredentials) => Promise<Reauthentication>,
  ): Signing['reauthenticate'] =>
  async (ctx, credentials, roles) => {
    // Before the password is verified: a signer who may not sign anyway spends no attempt.
    await gate(ctx, roles);
    return reauthenticate(ctx, credentials);
  };

/** A manifest, its digest and the server's signature of the digest: what is stored and audited. */
export interface SignedRecord<M> {
  manifest: M;
  manifestDigest: string;
  serverSignature: string;
}

/** The signer part every manifest carries. */
export interface ManifestSigner {
  signer: { id: string; username: string; name: string };
  role: string;
  meaning: string;
  comment: string;
  signedAt: string;
  reauthenticatedWith: Reauthentication;
}

/** The credentials fields of a signing request body (one of them is required by the service). */
export const CredentialFields = {
  password: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1024,
      description: "the signer's password, re-entered (21 CFR Part 11 §11.200)",
    }),
  ),
  token: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 512,
      description: "automation: the caller's own token with the sign scope, re-presented",
    }),
  ),
  reauthProof: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description:
        'single sign-on: the proof of a fresh login at the identity provider (GET /api/v1/auth/oidc/login?purpose=reauthentication), used once',
    }),
  ),
};

/** The credentials out of a request body, without undefined members. */
export const credentialsOf = (b: SigningCredentials): SigningCredentials => ({
  ...(b.password !== undefined ? { password: b.password } : {}),
  ...(b.token !== undefined ? { token: b.token } : {}),
  ...(b.reauthProof !== undefined ? { reauthProof: b.reauthProof } : {}),
});

/** Why the caller may not sign at all, or null: only people sign, and a token needs the sign (or write) scope. */
export function signerRefusal(ctx: RequestContext): Refusal | null {
  const p = ctx.principal;
  if (!p) return { code: 'forbidden', message: 'only a person can sign', reason: 'Only a person can sign.' };
  if (p.scopes && !p.scopes.includes('write') && !p.scopes.includes('sign'))
    return {
      code: 'forbidden',
      message: `a token with scopes [${p.scopes.join(', ')}] may not sign: it needs the sign (or write) scope`,
      reason: `Your token's scopes (${p.scopes.join(', ')}) do not allow signing.`,
    };
  return null;
}

/** The person signing: only people sign, and a token needs the sign (or write) scope. */
export function signingPrincipal(ctx: RequestContext): Principal {
  refuse(signerRefusal(ctx));
  return ctx.principal!;
}

/** Why the training gate would refuse the caller signing as one of `roles`, in their words, or null. */
export const trainingRefusal = (
  signing: Pick<Signing, 'gate'>,
  ctx: RequestContext,
  roles: readonly string[],
): Promise<Refusal | null> =>
  signing.gate ? refusalOf(() => signing.gate!(ctx, roles), trainingWords) : Promise.resolve(null);

/** The training gate's answer for the caller per role, asked once each (for the hints of a whole page). */
export const trainingOnce = (signing: Pick<Signing, 'gate'>, ctx: RequestContext) =>
  memoize((role: string) => trainingRefusal(signing, ctx, [role]));

/** The signer part of a manifest for `p`, signing now. */
export const signerPart = (
  p: Principal,
  input: { role: string; meaning: string; comment?: string },
  signedAt: string,
  reauthenticatedWith: Reauthentication,
): ManifestSigner => ({
  signer: { id: p.userId, username: p.username, name: p.displayName },
  role: input.role,
  meaning: input.meaning,
  comment: input.comment ?? '',
  signedAt,
  reauthenticatedWith,
});

/** Seals a manifest: its canonical (RFC 8785) digest, signed by the server key. */
export function seal<M extends object>(manifest: M, signDigest: (digest: string) => string): SignedRecord<M> {
  const manifestDigest = canonicalDigest(manifest);
  return { manifest, manifestDigest, serverSignature: signDigest(manifestDigest) };
}

/** The OpenAPI shape of a stored signed record (the manifest varies by what was signed). */
export const SignedRecordSchema = Type.Object({
  manifest: Type.Unknown(),
  manifestDigest: Type.String(),
  serverSignature: Type.String(),
});
