import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Checkpoints in the C2SP tlog-checkpoint format wrapped in a C2SP signed note:
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n\n— <key name> <base64(key id || Ed25519 signature)>\n
 *
 * The signature covers the note text (the three body lines with their newlines). The key id is
 * the first four bytes of SHA-256(key name || "\n" || 0x01 || public key), 0x01 naming Ed25519.
 */
export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
}

const ED25519_ALG = 0x01;
const SIG_PREFIX = '\u2014 ';

/** The raw 32-byte Ed25519 public key of a KeyObject (public or private). */
export function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' }) as { x?: string };
  if (!jwk.x) throw new TypeError('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

/** Four-byte signed-note key id of an Ed25519 key under `name`. */
export function keyId(name: string, publicKey: Buffer): Buffer {
  return createHash('sha256')
    .update(name)
    .update('\n')
    .update(Buffer.from([ED25519_ALG]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

/** The note verifier key string `<name>+<hex key id>+<base64(0x01 || key)>`, as C2SP tooling prints it. */
export function verifierKey(name: string, publicKey: Buffer): string {
  return `${name}+${keyId(name, publicKey).toString('hex')}+${Buffer.concat([Buffer.from([ED25519_ALG]), publicKey]).toString('base64')}`;
}

/** Parses a verifier key string back to its name and raw public key. */
export function parseVerifierKey(vkey: string): { name: string; publicKey: Buffer } {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey.trim());
  if (!m) throw new Error('not a verifier key of the form name+hexid+base64key');
  const raw = Buffer.from(m[3]!, 'base64');
  if (raw.length !== 33 || raw[0] !== ED25519_ALG) throw new Error('verifier key is not an Ed25519 key');
  const publicKey = raw.subarray(1);
  if (!keyId(m[1]!, publicKey).equals(Buffer.from(m[2]!, 'hex')))
    throw new Error('verifier key id does not match its key');
  return { name: m[1]!, publicKey };
}

export function checkpointBody(c: Checkpoint): string {
  return `${c.origin}\n${c.treeSize}\n${c.rootHash.toString('base64')}\n`;
}

/** Signs a checkpoint with an Ed25519 private key; returns the whole signed note. */
export function signCheckpoint(c: Checkpoint, keyName: string, privateKey: KeyObject): string {
  const body = checkpointBody(c);
  const signature = sign(null, Buffer.from(body), privateKey);
  const id = keyId(keyName, rawPublicKey(privateKey));
  return `${body}\n${SIG_PREFIX}${keyName} ${Buffer.concat([id, signature]).toString('base64')}\n`;
}

export type NoteResult = { ok: true; checkpoint: Checkpoint } | { ok: false; reason: string };

/** Parses a signed checkpoint note and checks its signature by (keyName, publicKey). */
export function verifyCheckpointNote(note: string, keyName: string, publicKey: Buffer): NoteResult {
  const split = note.indexOf('\n\n');
  if (split < 0) return { ok: false, reason: 'not a signed note (no blank line before signatures)' };
  const body = note.slice(0, split + 1);
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) return { ok: false, reason: 'checkpoint body has fewer than three lines' };
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText))
    return { ok: false, reason: `tree size '${sizeText}' is not a decimal number` };
  const rootHash = Buffer.from(rootText, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== rootText)
    return { ok: false, reason: 'root hash is not 32 bytes of base64' };
  const expectedId = keyId(keyName, publicKey);
  const pub = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') },
    format: 'jwk',
  });
  const sigLines = note
    .slice(split + 2)
    .split('\n')
    .filter((l) => l.length > 0);
  let sawKey = false;
  for (const line of sigLines) {
    if (!line.startsWith(SIG_PREFIX)) return { ok: false, reason: 'malformed signature line' };
    const [name, b64] = line.slice(SIG_PREFIX.length).split(' ');
    if (!name || !b64) return { ok: false, reason: 'malformed signature line' };
    const raw = Buffer.from(b64, 'base64');
    if (name !== keyName || raw.length !== 68 || !raw.subarray(0, 4).equals(expectedId)) continue;
    sawKey = true;
    if (verify(null, Buffer.from(body), pub, raw.subarray(4)))
      return { ok: true, checkpoint: { origin, treeSize: Number(sizeText), rootHash } };
  }
  return {
    ok: false,
    reason: sawKey
      ? 'signature does not verify'
      : `not signed by the trusted key ${keyName}+${expectedId.toString('hex')}`,
  };
}
