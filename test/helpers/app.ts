import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { buildApp, type AppOptions } from '../../src/app.ts';
import { signerFor, type AuditSigner } from '../../src/features/audit/signing-key.ts';
import type { AuthLimits } from '../../src/features/identity/password-guard.ts';
import type { Clock } from '../../src/clock.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { App } from '../../src/http/app-types.ts';
import { createTestDatabase, type DbKind, type TestDatabase } from './db.ts';

export interface TestApp {
  app: App;
  database: DatabaseHandle;
  testDb: TestDatabase;
  signer: AuditSigner;
  /** The bootstrap administrator's API token (organisation-wide admin, all scopes). */
  adminToken: string;
}

export const ADMIN_TOKEN = 'stw_test-bootstrap-admin-token-0123456789';
export const TEST_TEAMS = ['credit-risk', 'paging', 'data-platform', 'growth', 'fraud'];
export const TEST_SESSION = { idleMs: 30 * 60_000, maxMs: 12 * 3_600_000, secureCookie: false };

/** The token `call` sends for each app unless a request says otherwise. */
const defaultTokens = new WeakMap<App, string>();

/**
 * Registers hooks that give the enclosing describe block the whole app, in-process, over a fresh
 * migrated database of `kind`. Read the fields inside tests (they are set in beforeAll).
 */
export function useTestApp(
  kind: DbKind,
  options: {
    bodyLimit?: number;
    evaluationLimit?: number;
    /** Column bytes an evaluation holds in memory before spilling to files (STEWARD_EVALUATION_MEMORY). */
    evaluationMemory?: number;
    evaluations?: { perServer: number; perUser: number };
    /** A stalled request body is answered 408 (STEWARD_BODY_IDLE_SECONDS, STEWARD_BODY_MIN_BYTES). */
    bodyTimeout?: { idleMs: number; minBytes: number };
    /** Worker threads of the compute pool (STEWARD_COMPUTE_THREADS). */
    computeThreads?: number;
    webhooks?: AppOptions['webhooks'];
    artifacts?: { roots: (string | { dir: string; team: string })[]; hosts: string[] };
    /** Internal webhook targets allowed (STEWARD_WEBHOOK_ALLOW_HOSTS), e.g. a receiver on 127.0.0.1. */
    webhookAllowHosts?: string[];
    configure?: (app: App) => void;
    authLimits?: AuthLimits;
    teams?: string[];
    clock?: Clock;
    monitoring?: AppOptions['monitoring'];
    /** How often exceptions' expiry is swept. */
    findings?: AppOptions['findings'];
    mlflow?: Partial<NonNullable<AppOptions['config']['mlflow']>>;
    consoleDir?: string;
    /** Who may scrape /metrics (default: loopback, no token). */
    metrics?: AppOptions['config']['metrics'];
    admission?: AppOptions['config']['admission'];
    governance?: AppOptions['config']['governance'];
    /** Single sign-on (read when the app is built, so a provider started in an earlier beforeAll can fill it). */
    oidc?: NonNullable<AppOptions['config']['oidc']>;
    localPasswords?: AppOptions['config']['localPasswords'];
    /** Discovery sources (STEWARD_DISCOVERY_*) and how failing ones are retried. */
    discovery?: Partial<NonNullable<AppOptions['config']['discovery']>> & NonNullable<AppOptions['discovery']>;
    /** E-mail to people (read when the app is built, so a receiver started in an earlier beforeAll can fill it). */
    notifications?: NonNullable<AppOptions['config']['notifications']>;
  } = {},
): TestApp {
  const t = {} as TestApp;
  beforeAll(async () => {
    t.testDb = await createTestDatabase(kind);
    t.database = t.testDb.open();
    await migrateToLatest(t.database.db);
    t.signer = signerFor(generateKeyPairSync('ed25519').privateKey, 'steward.test/audit');
    t.adminToken = ADMIN_TOKEN;
    t.app = await buildApp({
      config: {
        bodyLimit: options.bodyLimit ?? 1048576,
        logLevel: 'silent',
        session: TEST_SESSION,
        ...(options.evaluationLimit ? { evaluationLimit: options.evaluationLimit } : {}),
        ...(options.evaluationMemory !== undefined ? { evaluationMemory: options.evaluationMemory } : {}),
        ...(options.evaluations ? { evaluations: options.evaluations } : {}),
        ...(options.bodyTimeout ? { bodyTimeout: options.bodyTimeout } : {}),
        ...(options.computeThreads ? { computeThreads: options.computeThreads } : {}),
        ...(options.artifacts ? { artifacts: options.artifacts } : {}),
        ...(options.webhookAllowHosts ? { webhookAllowHosts: options.webhookAllowHosts } : {}),
        ...(options.consoleDir ? { consoleDir: options.consoleDir } : {}),
        ...(options.metrics ? { metrics: options.metrics } : {}),
        ...(options.admission ? { admission: options.admission } : {}),
        ...(options.governance ? { governance: options.governance } : {}),
        ...(options.oidc ? { oidc: options.oidc } : {}),
        ...(options.localPasswords ? { localPasswords: options.localPasswords } : {}),
        ...(options.notifications ? { notifications: options.notifications } : {}),
        ...(options.discovery
          ? {
              discovery: {
                mlflowUrls: options.discovery.mlflowUrls ?? [],
                mlflowToken: options.discovery.mlflowToken,
                artifactRoots: options.discovery.artifactRoots ?? [],
                intervalMs: options.discovery.intervalMs ?? 0,
              },
            }
          : {}),
        ...(options.mlflow
          ? { mlflow: { ...options.mlflow, registrationChecks: options.mlflow.registrationChecks ?? false } }
          : {}),
      },
      database: t.database,
      signer: t.signer,
      logger: false,
      authLimits: options.authLimits,
      ...(options.webhooks ? { webhooks: options.webhooks } : {}),
      clock: options.clock,
      ...(options.monitoring ? { monitoring: options.monitoring } : {}),
      ...(options.findings ? { findings: options.findings } : {}),
      ...(options.discovery?.retry ? { discovery: { retry: options.discovery.retry } } : {}),
      bootstrap: { token: ADMIN_TOKEN },
    });
    options.configure?.(t.app);
    await t.app.ready();
    defaultTokens.set(t.app, ADMIN_TOKEN);
    for (const name of options.teams ?? TEST_TEAMS) {
      const res = await call(t.app, { method: 'POST', url: '/api/v1/teams', body: { name } });
      if (res.status !== 201) throw new Error(`seed team failed: ${res.text}`);
    }
  });
  afterAll(async () => {
    await t.app?.close();
    await t.database?.close();
    await t.testDb?.drop();
  });
  return t;
}

type InjectArgs = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Bearer token to send; null sends none; default: the app's admin token. */
  token?: string | null;
};

/** JSON request through app.inject (authenticated as admin unless `token` says otherwise); returns status, headers and parsed body. */
export async function call(app: App, { method, url, body, headers, token }: InjectArgs) {
  const bearer = token === undefined ? defaultTokens.get(app) : token;
  const res = await app.inject({
    method,
    url,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...headers,
    },
    payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = res.body;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, body: json, text };
}

export const digest = (seed: string | number): string =>
  `sha256:${Buffer.from(String(seed)).toString('hex').padEnd(64, '0').slice(0, 64)}`;

export const useCaseBody = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  objective: `Objective of ${name}`,
  kpis: [{ name: 'approval-rate', target: 0.8, direction: 'at-least', unit: 'ratio' }],
  ownerTeam: 'credit-risk',
  consumers: 'public',
  regions: ['EU', 'DE'],
  sector: 'finance',
  processesPersonalData: true,
  ...extra,
});

/** Creates a use case (with `extra` fields, an owning team say) and returns its id. */
export async function seedUseCase(app: App, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call(app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody(name, extra) });
  if (res.status !== 201) throw new Error(`seed use case failed: ${res.text}`);
  return res.body.id as string;
}

export async function seedModel(
  app: App,
  name: string,
  useCaseId: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const res = await call(app, { method: 'POST', url: '/api/v1/models', body: { name, useCaseId, ...extra } });
  if (res.status !== 201) throw new Error(`seed model failed: ${res.text}`);
}

/** Asserts nothing about status; returns the problem fields a test checks. */
export function expectProblem(res: Awaited<ReturnType<typeof call>>, status: number, code: string): void {
  if (
    res.status !== status ||
    res.body?.code !== code ||
    !String(res.headers['content-type']).startsWith('application/problem+json')
  ) {
    throw new Error(
      `expected ${status} ${code} problem, got ${res.status} ${res.headers['content-type']}: ${res.text}`,
    );
  }
}

/** A clock tests can move forward. */
export function manualClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => new Date(now), advance: (ms) => void (now += ms) };
}

/** Creates a user with the given roles and returns an API token for them. */
export async function seedUser(
  app: App,
  username: string,
  roles: { scope: string; role: string }[],
  scopes?: string[],
): Promise<string> {
  const created = await call(app, {
    method: 'POST',
    url: '/api/v1/users',
    body: { username, displayName: `User ${username}`, password: `${username}-correct-horse-battery`, roles },
  });
  if (created.status !== 201) throw new Error(`seed user failed: ${created.text}`);
  const token = await call(app, {
    method: 'POST',
    url: '/api/v1/tokens',
    body: { name: `${username} test`, username, ...(scopes ? { scopes } : {}) },
  });
  if (token.status !== 201) throw new Error(`seed token failed: ${token.text}`);
  return token.body.token as string;
}
