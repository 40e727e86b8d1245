import { canonicalize, jsonString } from './jcs.ts';

/** One audit event as it is stored and exported. `before`/`after` are canonical JSON text or null. */
export interface AuditEventRecord {
  seq: number;
  time: string;
  actor: { kind: 'user' | 'system'; id: string | null; name: string; token: string | null };
  action: string;
  subject: { type: string; id: string };
  before: string | null;
  after: string | null;
  reason: string | null;
  requestId: string | null;
  source: string | null;
}

const str = (v: string | null | undefined) => (v === null || v === undefined ? 'null' : jsonString(v));

/**
 * The leaf data of an event: its RFC 8785 canonical JSON. `before` and `after` are embedded as the
 * canonical text stored at append time, so verifying a leaf never has to re-parse them; members
 * appear in the code-unit order JCS prescribes (action, actor, after, before, reason, requestId,
 * seq, source, subject, time; actor: id, kind, name, token; subject: id, type).
 */
export function auditLeafData(e: AuditEventRecord): Buffer {
  return Buffer.from(auditLeafText(e), 'utf8');
}

/** The leaf data of an event as text (its UTF-8 bytes are the leaf). */
export function auditLeafText(e: AuditEventRecord): string {
  const actor = `{"id":${str(e.actor.id)},"kind":${str(e.actor.kind)},"name":${str(e.actor.name)},"token":${str(e.actor.token)}}`;
  const subject = `{"id":${str(e.subject.id)},"type":${str(e.subject.type)}}`;
  return `{"action":${str(e.action)},"actor":${actor},"after":${e.after ?? 'null'},"before":${e.before ?? 'null'},"reason":${str(e.reason)},"requestId":${str(e.requestId)},"seq":${e.seq},"source":${str(e.source)},"subject":${subject},"time":${str(e.time)}}`;
}

/** Reads a stored leaf back into an event record (before/after as canonical text again). */
export function parseAuditLeaf(leaf: string): AuditEventRecord {
  const e = JSON.parse(leaf) as Omit<AuditEventRecord, 'before' | 'after'> & { before: unknown; after: unknown };
  return { ...e, before: canonicalState(e.before), after: canonicalState(e.after) };
}

/** Canonical JSON text of a before/after value (null stays null). */
export const canonicalState = (value: unknown): string | null =>
  value === null || value === undefined ? null : canonicalize(value);
