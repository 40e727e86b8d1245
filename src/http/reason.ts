// The Steward-Reason header carries why a change was made, into the audit trail. HTTP header
// values are bytes that Node reads as Latin-1, so UTF-8 text sent raw would be stored
// mis-decoded ("héllo" as "hÃ©llo"). The one rule: the value is ASCII, and UTF-8 text is
// percent-encoded, optionally in RFC 8187's form `UTF-8''<percent-encoded>`.

import { DomainError } from '../errors.ts';
import { requestShaped } from './input.ts';

const MAX_CHARS = 2000;
const POINTER = '/headers/steward-reason';
const HOW =
  "send text beyond ASCII as percent-encoded UTF-8, e.g. Steward-Reason: UTF-8''h%C3%A9llo (RFC 8187) or Steward-Reason: h%C3%A9llo for 'héllo'";

const refuse = (message: string) =>
  requestShaped(new DomainError('validation_failed', message, { errors: [{ pointer: POINTER, message }] }));

/** RFC 8187's ext-value prefix: charset, an optional language tag, and two apostrophes. */
const EXT_VALUE = /^([A-Za-z0-9!#$%&+^_`{}~-]+)'[A-Za-z0-9-]*'/;

/**
 * Reads a Steward-Reason header: null when absent or blank. Every `%` followed by two hex digits
 * is a byte of UTF-8 and every other character stands for itself; a leading `UTF-8''` (any
 * language tag between the apostrophes) is dropped. Raw non-ASCII, control characters (decoded
 * or not), other charsets and invalid UTF-8 are refused with 400. Longer than 2000 characters
 * is cut.
 */
export function decodeReason(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (Array.isArray(header)) throw refuse('send one Steward-Reason header');
  // eslint-disable-next-line no-control-regex
  if (/[^\x20-\x7e\t]/.test(header)) throw refuse(`the Steward-Reason header must be ASCII: ${HOW}`);
  let value = header.trim();
  const ext = EXT_VALUE.exec(value);
  if (ext) {
    if (ext[1]!.toLowerCase() !== 'utf-8')
      throw refuse(`the Steward-Reason header's charset '${ext[1]}' is not read: ${HOW}`);
    value = value.slice(ext[0].length);
  }
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(value.charCodeAt(i));
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    throw refuse(`the Steward-Reason header's percent-encoded bytes are not UTF-8: ${HOW}`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(text))
    throw refuse('the Steward-Reason header may not hold control characters, encoded or not');
  text = text.trim();
  // Cut by code points, so a character outside the BMP is never halved.
  return text === '' ? null : Array.from(text).slice(0, MAX_CHARS).join('');
}
