import { readUserConfig } from './user-config.ts';

/**
 * A thin HTTP client for the CLI's remote commands: STEWARD_URL + STEWARD_TOKEN (Bearer), else
 * the server and token saved by `steward login`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: {
      code?: string;
      title?: string;
      detail?: string;
      errors?: { pointer: string; message: string }[];
    },
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

export class UnreachableError extends Error {}

export interface Client {
  readonly base: string;
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** A request with a body of its own (a file stream, a form) and its content type. */
  send<T>(method: string, path: string, body: RequestInit['body'], contentType?: string): Promise<T>;
  /** A request whose answer is a file (a PDF, a ZIP): its bytes, or an ApiError for a problem. */
  download(method: string, path: string, body?: unknown): Promise<Buffer>;
}

export const DEFAULT_URL = 'http://localhost:8080';
export const trimUrl = (url: string) => url.replace(/\/+$/, '');

export function createClient(env: NodeJS.ProcessEnv = process.env): Client {
  const saved = readUserConfig(env);
  const base = trimUrl(env.STEWARD_URL || saved?.url || DEFAULT_URL);
  // The saved token goes only to the server it was issued by.
  const token = env.STEWARD_TOKEN || (saved && trimUrl(saved.url) === base ? saved.token : undefined);
  async function send<T>(method: string, path: string, body: RequestInit['body'], contentType?: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (contentType) headers['content-type'] = contentType;
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers,
        body,
        ...(body && typeof body === 'object' && Symbol.asyncIterator in body ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new UnreachableError(
        `cannot reach Steward at ${base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      );
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { detail: text.slice(0, 500) };
    }
    if (!res.ok) throw new ApiError(res.status, (parsed ?? {}) as ApiError['problem']);
    return parsed as T;
  }
  async function download(method: string, path: string, body?: unknown): Promise<Buffer> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new UnreachableError(`cannot reach Steward at ${base}: ${(err as Error).message}`);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (!res.ok) {
      let problem: unknown;
      try {
        problem = JSON.parse(bytes.toString('utf8'));
      } catch {
        problem = { detail: bytes.toString('utf8').slice(0, 500) };
      }
      throw new ApiError(res.status, problem as ApiError['problem']);
    }
    return bytes;
  }
  return {
    base,
    send,
    download,
    request: <T>(method: string, path: string, body?: unknown) =>
      send<T>(
        method,
        path,
        body === undefined ? undefined : JSON.stringify(body),
        body === undefined ? undefined : 'application/json',
      ),
  };
}

/** The command line itself is wrong (missing or malformed options, unreadable files). */
export class UsageError extends Error {}
