import { generateKeyPairSync } from 'node:crypto';
import { buildApp } from '../app.ts';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { signerFor } from '../features/audit/signing-key.ts';

/** The OpenAPI document of `/api/v1`, from an app built over a throw-away in-memory database. */
export async function apiDocument(): Promise<Record<string, unknown>> {
  const database = openDatabase({ kind: 'sqlite', file: ':memory:' });
  try {
    await migrateToLatest(database.db);
    const app = await buildApp({
      config: {
        bodyLimit: 1_048_576,
        logLevel: 'silent',
        session: { idleMs: 60_000, maxMs: 60_000, secureCookie: false },
      },
      database,
      signer: signerFor(generateKeyPairSync('ed25519').privateKey, 'steward.openapi/audit'),
      logger: false,
      monitoring: { jobs: false },
      webhooks: { dispatch: false },
    });
    await app.ready();
    const doc = structuredClone(app.swagger()) as unknown as { paths: Record<string, unknown> } & Record<
      string,
      unknown
    >;
    await app.close();
    doc.paths = Object.fromEntries(Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/v1/')));
    return doc;
  } finally {
    await database.close();
  }
}
