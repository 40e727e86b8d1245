import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { resolve as resolvePath, sep } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DomainError } from '../errors.ts';

/** Where the server may read artefacts and registered datasets from: nowhere unless configured. */
export interface FetchPolicy {
  /**
   * Local directories `file:` URIs may point into: a plain directory is readable for every team,
   * one with a team only for that team's datasets and use cases' artefacts.
   */
  roots: ArtifactRoot[];
  /** host or host:port of `http(s):` URIs allowed (`*` for any). */
  hosts: string[];
}

/** A directory the server may read, open to all teams or only to one. */
export type ArtifactRoot = string | { dir: string; team: string };

const IDLE_MS = 60_000;

/** A transfer that started and then failed: the other side's fault, not the request's. */
export const upstreamFailed = (uri: string, err: unknown) =>
  new DomainError('bad_gateway', `reading '${uri}' failed: ${(err as Error).message ?? String(err)}`, {
    extra: { uri },
  });

const unreachable = (uri: string, why: string) =>
  new DomainError('invalid_reference', `cannot read '${uri}': ${why}`, { extra: { uri } });

/**
 * Opens a `file:` or `http(s):` URI as a stream, only inside the configured roots and hosts: the
 * server must not become a way to read its own files or reach internal services. `team` is the
 * team the read is for (the dataset's or use case's owner): roots scoped to another team refuse it.
 */
export async function openUri(uri: string, policy: FetchPolicy, team: string): Promise<Readable> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw unreachable(uri, 'not an absolute URI; Steward reads file: and http(s): URIs, otherwise upload the file');
  }
  if (url.protocol === 'file:') {
    // Which file is asked for is settled against the roots before the file system is touched, so
    // a refusal says nothing about whether a file outside them exists.
    const outside = () =>
      unreachable(uri, `outside the directories the server may read for team '${team}' (STEWARD_ARTIFACT_ROOTS)`);
    let requested: string;
    try {
      requested = resolvePath(fileURLToPath(url));
    } catch {
      throw outside();
    }
    const roots = await knownRoots(policy.roots);
    if (!mayRead(requested, roots, team)) throw outside();
    let path: string;
    try {
      path = await realpath(requested);
    } catch (err) {
      throw unreachable(
        uri,
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message,
      );
    }
    // A link inside a root may lead elsewhere: the file it resolves to must be readable too.
    if (!mayRead(path, roots, team)) throw outside();
    const stream = createReadStream(path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err) => reject(unreachable(uri, err.message)));
    });
    return stream;
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    if (!policy.hosts.includes('*') && !policy.hosts.includes(url.host) && !policy.hosts.includes(url.hostname))
      throw unreachable(uri, `host '${url.host}' is not one the server may fetch from (STEWARD_ARTIFACT_HOSTS)`);
    let res: Response;
    const abort = new AbortController();
    // A deadline for the answer to start, then one for each pause in the body: a large file may
    // take long to arrive as a whole, but a stalled one is given up.
    let timer = setTimeout(() => abort.abort(new Error(`no answer within ${IDLE_MS / 1000} s`)), IDLE_MS);
    try {
      // Redirects could lead to a host outside the allow-list, so they are refused.
      res = await fetch(url, { redirect: 'error', signal: abort.signal });
    } catch (err) {
      clearTimeout(timer);
      throw unreachable(uri, (err as Error).message);
    }
    if (!res.ok || !res.body) {
      clearTimeout(timer);
      throw unreachable(uri, `the server answered ${res.status}`);
    }
    const stream = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(new Error(`the transfer stalled for ${IDLE_MS / 1000} s`)), IDLE_MS);
    };
    rearm();
    stream.on('data', rearm);
    stream.on('close', () => clearTimeout(timer));
    return stream;
  }
  throw unreachable(uri, `the ${url.protocol} scheme is not read by the server; upload the file instead`);
}

/** The roots as configured and as their real paths (a root may itself be reached through a link). */
async function knownRoots(roots: ArtifactRoot[]): Promise<{ dir: string; team: string | undefined }[]> {
  const out: { dir: string; team: string | undefined }[] = [];
  for (const r of roots) {
    const { dir, team } = typeof r === 'string' ? { dir: r, team: undefined } : r;
    out.push({ dir: resolvePath(dir), team });
    const real = await realpath(dir).catch(() => undefined);
    if (real !== undefined) out.push({ dir: real, team });
  }
  return out;
}

/** Whether `path` lies in a root open to `team`; the innermost root holding it decides. */
function mayRead(path: string, roots: { dir: string; team: string | undefined }[], team: string): boolean {
  const holding = roots
    .filter((r) => path === r.dir || path.startsWith(r.dir.endsWith(sep) ? r.dir : r.dir + sep))
    .sort((a, b) => b.dir.length - a.dir.length)[0];
  return holding !== undefined && (holding.team === undefined || holding.team === team);
}

/**
 * Refusal when the bytes read from a reference are not the registered ones. It never says what
 * their digest is: that would let anyone who may register a reference learn another file's digest
 * and then register it as their own.
 */
export const digestMismatch = (uri: string, what: string) =>
  new DomainError(
    'conflict',
    `the ${what} read from ${uri} does not have the registered digest: the ${what} changed since it was registered, or the registered digest is wrong`,
    { extra: { uri } },
  );

/** SHA-256 (`sha256:<hex>`) of a stream's bytes, refusing more than `maxBytes`. */
export async function digestStream(stream: Readable, maxBytes: number, what: string): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      stream.destroy();
      throw new DomainError('payload_too_large', `${what} is larger than ${maxBytes} bytes`);
    }
    hash.update(chunk as Buffer);
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Parses a referenced file only once its bytes are known to be the registered ones: a parse
 * error echoes content (a cell value), which must never come from a file the caller could not
 * vouch for. The file is read twice; if it changes in between, the parse's own digest (or a
 * third read after a parse error) catches it and the refusal is the same.
 */
export async function readVerified<T extends { digest: string }>(
  uri: string,
  policy: FetchPolicy,
  team: string,
  expected: string,
  limits: { maxBytes: number; what: string },
  parse: (stream: Readable) => Promise<T>,
): Promise<T> {
  const matches = async () =>
    (await digestStream(await openUri(uri, policy, team), limits.maxBytes, limits.what)) === expected;
  if (!(await matches())) throw digestMismatch(uri, limits.what);
  let out: T;
  try {
    out = await parse(await openUri(uri, policy, team));
  } catch (err) {
    if (!(await matches().catch(() => false))) throw digestMismatch(uri, limits.what);
    throw err;
  }
  if (out.digest !== expected) throw digestMismatch(uri, limits.what);
  return out;
}

/** Reads a stream whole, refusing more than `maxBytes`. */
export async function readBounded(stream: Readable, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      stream.destroy();
      throw new DomainError('payload_too_large', `${what} is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
