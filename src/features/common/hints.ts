import { Type, type Static } from 'typebox';
import { DomainError } from '../../errors.ts';
import { Nullable } from './common.schema.ts';

/** The codes a refused act answers with (403 or 409): what an action hint may name. */
export const REFUSAL_CODES = ['forbidden', 'separation_of_duties', 'training_required', 'conflict'] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/**
 * Why an act would be refused, as its command decides: the error the command throws, and the same
 * refusal in plain words for the person who would act. One rule function returns it; the command
 * throws it and the read that lists the item reports it, so the two cannot disagree.
 */
export interface Refusal {
  code: RefusalCode;
  /** The command's error message. */
  message: string;
  /** Why not, worded for the person: what they would need, and what they hold. */
  reason: string;
  extra?: Record<string, unknown>;
  /** What an audit record of the refusal (a separation-of-duties refusal) names besides. */
  detail?: Record<string, unknown>;
}

/** The error a command throws for a refusal. */
export const refusalError = (r: Refusal): DomainError =>
  new DomainError(r.code, r.message, r.extra ? { extra: r.extra } : undefined);

/** Throws the first refusal, if any. */
export function refuse(...refusals: (Refusal | null)[]): void {
  const r = refusals.find((x) => x !== null);
  if (r) throw refusalError(r);
}

/** Whether the caller may take an act now: what the console disables or hides, with the reason. */
export const ActionHint = Type.Object(
  {
    allowed: Type.Boolean({ description: 'true when the command would be accepted (credentials aside)' }),
    code: Nullable(Type.Enum([...REFUSAL_CODES], { description: 'the error code the command would answer with' })),
    reason: Nullable(Type.String({ description: 'why not, in plain words' })),
  },
  { description: "whether the caller may take this act now, decided by the command's own rule" },
);
export type ActionHint = Static<typeof ActionHint>;

export const ALLOWED: ActionHint = { allowed: true, code: null, reason: null };

/** The hint of the first refusal, or allowed. */
export function hintOf(...refusals: (Refusal | null)[]): ActionHint {
  const r = refusals.find((x) => x !== null);
  return r ? { allowed: false, code: r.code, reason: r.reason } : ALLOWED;
}

/**
 * The refusal of a check that throws (the training gate, a feature's own guard), or null: so a
 * hint runs exactly the check its command runs. Errors other than refusals are rethrown.
 */
export async function refusalOf(
  check: () => Promise<void> | void,
  words?: (e: DomainError) => string,
): Promise<Refusal | null> {
  try {
    await check();
    return null;
  } catch (e) {
    if (!(e instanceof DomainError) || !(REFUSAL_CODES as readonly string[]).includes(e.code)) throw e;
    return {
      code: e.code as RefusalCode,
      message: e.message,
      reason: words?.(e) ?? e.message,
      ...(e.extra ? { extra: e.extra } : {}),
    };
  }
}

/** The training gate's refusal in the signer's words (from the facts the gate attaches). */
export function trainingWords(e: DomainError): string {
  const x = (e.extra ?? {}) as { title?: string; role?: string; status?: string; expiresOn?: string | null };
  if (!x.title || !x.role) return e.message;
  const lapse =
    x.status === 'expired'
      ? `Your training '${x.title}' expired on ${x.expiresOn}`
      : `You have not completed the training '${x.title}'`;
  return `${lapse}, which signing as ${x.role} requires: record a current completion first.`;
}
