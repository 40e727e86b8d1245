import { createReadStream } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DomainError } from '../../errors.ts';

/** Where the server may read artefacts and registered datasets from: nowhere unless configured. */
export interface FetchPolicy {
  /** Local directories `file:` URIs may point into. */
  roots: string[];
  /** host or host:port of `http(s):` URIs allowed (`*` for any). */
  hosts: string[];
}

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
 * server must not become a way to read its own files or reach internal services.
 */
export async function openUri(uri: string, policy: FetchPolicy): Promise<Readable> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw unreachable(uri, 'not an absolute URI; Steward reads file: and http(s): URIs, otherwise upload the file');
  }
  if (url.protocol === 'file:') {
    let path: string;
    try {
      path = await realpath(fileURLToPath(url));
    } catch (err) {
      throw unreachable(
        uri,
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message,
      );
    }
    const roots = await Promise.all(policy.roots.map((r) => realpath(r).catch(() => undefined)));
    if (!roots.some((r) => r !== undefined && (path === r || path.startsWith(r.endsWith(sep) ? r : r + sep)))) {
      throw unreachable(uri, 'outside the directories the server may read (STEWARD_ARTIFACT_ROOTS)');
    }
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
