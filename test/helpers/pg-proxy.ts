import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface PgProxy {
  /** postgres:// URL of `target` with its host and port replaced by the proxy's. */
  url: string;
  /**
   * The database goes away: open connections are dropped, new ones are accepted and then left
   * unanswered (as a host that vanished), so only the client's own timeouts end the wait.
   */
  cut(): void;
  /** The database is back: new connections are forwarded again. */
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy in front of PostgreSQL that a test can cut and restore. */
export async function startPgProxy(target: string): Promise<PgProxy> {
  const to = new URL(target);
  const live = new Set<Socket>();
  const held = new Set<Socket>();
  let up = true;
  const server: Server = createServer((client) => {
    if (!up) {
      held.add(client);
      client.on('error', () => undefined);
      client.on('close', () => held.delete(client));
      return;
    }
    const upstream = connect({ host: to.hostname, port: Number(to.port || 5432) });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      live.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        live.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    cut() {
      up = false;
      for (const s of live) s.destroy();
    },
    restore() {
      up = true;
      for (const s of held) s.destroy();
    },
    close() {
      up = false;
      for (const s of live) s.destroy();
      for (const s of held) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
