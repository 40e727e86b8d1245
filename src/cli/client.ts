import { readUserConfig } from './user-config.ts';

import { createSteward, StewardError, StewardUnreachable, type Steward } from '../client/index.ts';

/**
 * The CLI's remote commands talk to the API through Steward's own TypeScript client
 * (`src/client`): STEWARD_URL + STEWARD_TOKEN (Bearer), else the server and token saved by
 * `steward login`. Its errors are the client's.
 */
export { StewardError as ApiError, StewardUnreachable as UnreachableError };

export interface Client {
  readonly base: string;
  /** The typed client: every route, and the common flows. */
  readonly steward: Steward;
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
  const steward = createSteward({ url: base, token });
  return {
    base,
    steward,
    send: steward.send,
    download: steward.download,
    request: <T>(method: string, path: string, body?: unknown) =>
      steward.send<T>(
        method,
        path,
        body === undefined ? undefined : JSON.stringify(body),
        body === undefined ? undefined : 'application/json',
      ),
  };
}

/** The command line itself is wrong (missing or malformed options, unreadable files). */
export class UsageError extends Error {}
