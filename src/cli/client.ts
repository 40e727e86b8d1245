/** A thin HTTP client for the CLI's remote commands: STEWARD_URL + STEWARD_TOKEN (Bearer). */
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
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function createClient(env: NodeJS.ProcessEnv = process.env): Client {
  const base = (env.STEWARD_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
  const token = env.STEWARD_TOKEN;
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
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
    },
  };
}

/** The command line itself is wrong (missing or malformed options, unreadable files). */
export class UsageError extends Error {}
