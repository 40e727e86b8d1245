import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { rawPublicKey, signCheckpoint, verifierKey, type Checkpoint } from '../../domain/checkpoint.ts';

export interface AuditSigner {
  origin: string;
  keyName: string;
  publicKey: Buffer;
  verifierKey: string;
  publicKeyPem: string;
  sign(c: Omit<Checkpoint, 'origin'>): string;
  /** Ed25519 signature (base64) of a record digest such as an electronic signature's manifest digest. */
  signDigest(digest: string): string;
}

/** The default origin names the log by its key, so two Steward instances never share an origin. */
export const defaultOrigin = (publicKey: Buffer): string =>
  `steward/${createHash('sha256').update(publicKey).digest('hex').slice(0, 16)}`;

/**
 * Loads the Ed25519 checkpoint-signing key from `file`, creating it (mode 0600) on first use.
 * Replicas that share one database must share this file (STEWARD_AUDIT_KEY_FILE).
 */
export function loadOrCreateSigner(file: string, origin?: string): AuditSigner {
  let privateKey: KeyObject;
  if (existsSync(file)) {
    privateKey = createPrivateKey(readFileSync(file));
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} does not hold an Ed25519 private key`);
  } else {
    privateKey = generateKeyPairSync('ed25519').privateKey;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  }
  return signerFor(privateKey, origin);
}

export function signerFor(privateKey: KeyObject, origin?: string): AuditSigner {
  const publicKey = rawPublicKey(privateKey);
  const name = origin ?? defaultOrigin(publicKey);
  return {
    origin: name,
    keyName: name,
    publicKey,
    verifierKey: verifierKey(name, publicKey),
    publicKeyPem: String(createPublicKey(privateKey).export({ format: 'pem', type: 'spki' })),
    sign: (c) => signCheckpoint({ origin: name, ...c }, name, privateKey),
    signDigest: (digest) => cryptoSign(null, Buffer.from(digest, 'utf8'), privateKey).toString('base64'),
  };
}
