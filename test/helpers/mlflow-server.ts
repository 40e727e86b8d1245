import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a counterpart MLflow server holds and how it misbehaves. */
export interface FakeMlflow {
  url: string;
  /** Registered models (name, description, tags) and their versions. */
  models: { name: string; description?: string; versions?: { version: string; source: string }[] }[];
  /** The Authorization headers requests carried. */
  authorizations: (string | undefined)[];
  /** Answer this instead of JSON (a broken server). */
  garbage?: string;
  requests: number;
  close(): Promise<void>;
}

/**
 * A small server speaking the two MLflow REST endpoints discovery reads
 * (registered-models/search and model-versions/search), paging at most `pageSize` items with
 * offset page tokens, as MLflow does.
 */
export async function startFakeMlflow(pageSize = 100): Promise<FakeMlflow> {
  const state = { models: [], authorizations: [], requests: 0 } as unknown as FakeMlflow;
  const server: Server = createServer((req, res) => {
    state.requests++;
    state.authorizations.push(req.headers.authorization);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (state.garbage !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(state.garbage);
      return;
    }
    const max = Math.min(Number(url.searchParams.get('max_results') ?? '100'), pageSize);
    const offset = Number(url.searchParams.get('page_token') ?? '0');
    const page = <T>(items: T[], field: string) => {
      const slice = items.slice(offset, offset + max);
      const body: Record<string, unknown> = { [field]: slice };
      if (offset + max < items.length) body.next_page_token = String(offset + max);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (url.pathname === '/api/2.0/mlflow/registered-models/search')
      page(
        state.models.map((m) => ({
          name: m.name,
          description: m.description ?? '',
          tags: [{ key: 'team', value: 'shadow' }],
        })),
        'registered_models',
      );
    else if (url.pathname === '/api/2.0/mlflow/model-versions/search')
      page(
        state.models.flatMap((m) =>
          (m.versions ?? []).map((v) => ({ name: m.name, version: v.version, source: v.source, status: 'READY' })),
        ),
        'model_versions',
      );
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error_code":"ENDPOINT_NOT_FOUND"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

/** A base URL nothing listens on (a server that is down). */
export async function downUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
