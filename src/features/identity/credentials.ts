import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

/** scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, OWASP's recommended minimum), 32-byte key. */
const COST = { log2N: 15, r: 8, p: 1 };
const maxmem = 64 * 1024 * 1024;

/** Hashes a password as `scrypt$<log2 N>$<r>$<p>$<salt b64>$<key b64>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, { N: 2 ** COST.log2N, r: COST.r, p: COST.p, maxmem });
  return `scrypt$${COST.log2N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** A stored hash that never matches, verified against so unknown users cost as much as known ones. */
let dummyHash: Promise<string> | null = null;

/** Constant-time check of a password against a stored hash (null hash: always false, same cost). */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const effective = stored ?? (await (dummyHash ??= hashPassword(randomBytes(16).toString('hex'))));
  const parts = effective.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, log2N, r, p, saltB64, keyB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(keyB64, 'base64');
  const key = await scrypt(password, Buffer.from(saltB64, 'base64'), expected.length, {
    N: 2 ** Number(log2N),
    r: Number(r),
    p: Number(p),
    maxmem,
  });
  return timingSafeEqual(key, expected) && stored !== null;
}

/** A new API token: `stw_` + 43 base64url characters (256 bits). */
export const newApiToken = (): string => `stw_${randomBytes(32).toString('base64url')}`;

/** A random secret for sessions, CSRF tokens and one-time passwords. */
export const newSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Tokens carry 256 bits of entropy, so a fast hash is enough to store them (unlike passwords). */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** What an administrator sees of a token: its first characters. */
export const tokenPrefix = (token: string): string => token.slice(0, 12);

/** ASVS 5 (6.2): at least 12 characters, at most 128, not the username. */
export function passwordProblem(password: string, username: string): string | null {
  if ([...password].length < 12) return 'must be at least 12 characters long';
  if ([...password].length > 128) return 'must be at most 128 characters long';
  if (password.toLowerCase() === username.toLowerCase()) return 'must not be the username';
  return null;
}
