import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from 'typebox';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CLAIMS_MAP, parseClaimsMap, type ClaimsMap } from './domain/claims-map.ts';
import { parseAllowList } from './domain/internal-addresses.ts';
import type { LocalPasswords } from './features/identity/authenticate.ts';
import type { SsoSettings } from './features/identity/sso.service.ts';
import { compileSchema, toFieldErrors } from './lib/json-schema.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LogLevel = Type.Enum(LOG_LEVELS);

/** Every setting Steward reads from the environment, with its default (deployment manifests are checked against it). */
export const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  STEWARD_DATA_DIR: Type.String({ minLength: 1, default: './.steward' }),
  STEWARD_DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^((postgres|postgresql)://|sqlite://.)',
      description: 'postgres://... or sqlite://<path> (sqlite://:memory: for a throw-away database)',
    }),
  ),
  STEWARD_DATABASE_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 5000,
    description:
      'PostgreSQL: longest wait for a database connection; past it (database down or unreachable) a request answers 503 with Retry-After',
  }),
  STEWARD_LOG_LEVEL: Type.Enum(LOG_LEVELS, { default: 'info' }),
  STEWARD_BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1048576 }),
  STEWARD_EVALUATION_LIMIT: Type.Integer({ minimum: 1024, default: 536870912 }),
  STEWARD_EVALUATION_MEMORY: Type.Integer({
    minimum: 0,
    default: 134217728,
    description:
      'bytes an evaluation without a model may take in memory (columns and working arrays); past them its columns go to files under TMPDIR',
  }),
  STEWARD_EVALUATIONS_PER_SERVER: Type.Integer({ minimum: 1, maximum: 1024, default: 4 }),
  STEWARD_EVALUATIONS_PER_USER: Type.Integer({ minimum: 1, maximum: 1024, default: 2 }),
  STEWARD_BODY_IDLE_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 30,
    description:
      'a request body bringing fewer than STEWARD_BODY_MIN_BYTES bytes in this many seconds (while the server reads) is answered 408 and its connection closed',
  }),
  STEWARD_BODY_MIN_BYTES: Type.Integer({ minimum: 1, maximum: 1073741824, default: 1024 }),
  STEWARD_COMPUTE_THREADS: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 64,
      description:
        'worker threads evaluations, explanations and drift statistics run on (default: one less than the CPUs, 1 to 4)',
    }),
  ),
  STEWARD_ARTIFACT_ROOTS: Type.Optional(
    Type.String({
      description:
        'comma-separated directories file: artefact and dataset URIs may point into; team=dir reserves a directory to that team (default: none)',
    }),
  ),
  STEWARD_ARTIFACT_HOSTS: Type.Optional(
    Type.String({
      pattern: '^[\\w.*:\\[\\]-]+(,[\\w.*:\\[\\]-]+)*$',
      description:
        'comma-separated host or host:port the server may fetch http(s) artefacts and datasets from; * for any (default: none)',
    }),
  ),
  STEWARD_WEBHOOK_ALLOW_HOSTS: Type.Optional(
    Type.String({
      description:
        'comma-separated host names, IP addresses and CIDR blocks webhooks may target although internal (loopback, private, link-local, ...); default: none',
    }),
  ),
  STEWARD_METRICS_TOKEN: Type.Optional(
    Type.String({
      minLength: 24,
      maxLength: 256,
      pattern: '^\\S+$',
      description: 'bearer token Prometheus presents to scrape GET /metrics (then required from every address)',
    }),
  ),
  STEWARD_METRICS_ALLOW: Type.Optional(
    Type.String({
      description:
        'comma-separated IP addresses and CIDR blocks that may scrape GET /metrics without a token (default: 127.0.0.1,::1)',
    }),
  ),
  STEWARD_ADMISSION_NAMESPACES: Type.Optional(
    Type.String({
      pattern:
        '^[a-z0-9-]+=(development|preproduction|production)(,[a-z0-9-]+=(development|preproduction|production))*$',
      description:
        'comma-separated namespace=environment pairs: the environment of workloads in that namespace that do not annotate steward.dev/environment',
    }),
  ),
  STEWARD_TLS_CERT_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'PEM certificate chain: serve HTTPS (with STEWARD_TLS_KEY_FILE)' }),
  ),
  STEWARD_TLS_KEY_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'PEM private key of STEWARD_TLS_CERT_FILE' }),
  ),
  STEWARD_OIDC_ISSUER: Type.Optional(
    Type.String({
      pattern: '^https?://\\S+$',
      description:
        'single sign-on: the OpenID Connect issuer (discovered at /.well-known/openid-configuration); http:// only for a provider on a trusted network',
    }),
  ),
  STEWARD_OIDC_CLIENT_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  STEWARD_OIDC_CLIENT_SECRET: Type.Optional(
    Type.String({ minLength: 1, maxLength: 1024, description: 'unset: a public client (PKCE only)' }),
  ),
  STEWARD_OIDC_CLAIMS_MAP: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'a JSON or YAML file of rules mapping claims to team roles (see docs/sso.md); unset: no roles granted',
    }),
  ),
  STEWARD_OIDC_REDIRECT_URI: Type.Optional(
    Type.String({
      pattern: '^https?://\\S+/api/v1/auth/oidc/callback$',
      description:
        'the callback URL registered at the provider (default: this server as the browser reached it + /api/v1/auth/oidc/callback)',
    }),
  ),
  STEWARD_LOCAL_PASSWORDS: Type.Enum(['all', 'admins', 'off'], {
    default: 'all',
    description:
      'who may sign in with a local password: all, organisation admins only (break-glass, with single sign-on), or off',
  }),
  STEWARD_BOOTSTRAP_TOKEN: Type.Optional(Type.String({ minLength: 24, maxLength: 256, pattern: '^\\S+$' })),
  STEWARD_AUDIT_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  STEWARD_AUDIT_ORIGIN: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\s+]+$' })),
  STEWARD_SESSION_IDLE_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 30 }),
  STEWARD_SESSION_MAX_HOURS: Type.Integer({ minimum: 1, maximum: 720, default: 12 }),
  STEWARD_SECURE_COOKIES: Type.Boolean({ default: false }),
  STEWARD_SIGN_TOKEN_MAX_HOURS: Type.Integer({
    minimum: 1,
    maximum: 720,
    default: 24,
    description: 'longest lifetime of an API token with the sign scope (it signs electronic records)',
  }),
  STEWARD_MLFLOW_USE_CASE: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description:
        'use case (id or name) of models registered through the MLflow protocol without a steward.use_case tag',
    }),
  ),
  STEWARD_MLFLOW_RUN_ARTIFACTS: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 2048,
      pattern: '\\{run_id\\}',
      description:
        'artifact location of MLflow runs, with {run_id}, e.g. s3://mlflow/0/{run_id}/artifacts; unset: runs/get answers RESOURCE_DOES_NOT_EXIST',
    }),
  ),
  STEWARD_CONSOLE_DIR: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'directory of the built web console (default: web/dist of this installation); the console is off when it holds no index.html',
    }),
  ),
  STEWARD_MLFLOW_REQUIRE_USE_CASE: Type.Boolean({
    default: false,
    description:
      'refuse MLflow registrations without a steward.use_case tag (and without STEWARD_MLFLOW_USE_CASE) instead of placing them in the intake use case',
  }),
  STEWARD_DISCOVERY_MLFLOW_URLS: Type.Optional(
    Type.String({
      maxLength: 10000,
      pattern: '^https?://[^,\\s]+(,https?://[^,\\s]+)*$',
      description:
        'comma-separated base URLs of MLflow servers whose registered models discovery scans (user:password@ in a URL is sent as Basic)',
    }),
  ),
  STEWARD_DISCOVERY_MLFLOW_TOKEN: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'bearer token for discovery MLflow URLs without credentials',
    }),
  ),
  STEWARD_DISCOVERY_ARTIFACT_ROOTS: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 10000,
      description:
        'comma-separated directories discovery searches for model files (.onnx .pkl .joblib .pt .safetensors .gguf)',
    }),
  ),
  STEWARD_DISCOVERY_INTERVAL_MINUTES: Type.Integer({
    minimum: 0,
    maximum: 10080,
    default: 60,
    description: 'minutes between background discovery scans (0: scans only on demand)',
  }),
  STEWARD_MLFLOW_REGISTRATION_CHECKS: Type.Boolean({
    default: false,
    description:
      'hold versions registered through MLflow PENDING_REGISTRATION until the registration checks ran (READY or FAILED_REGISTRATION)',
  }),
  STEWARD_KPI_SNAPSHOTS: Type.Boolean({
    default: true,
    description: 'take the daily governance KPI snapshot in this server (any replica may; the day is stored once)',
  }),
  STEWARD_LEADERBOARD_PSEUDONYMS: Type.Boolean({
    default: false,
    description: 'show people on the governance leaderboard by a stable pseudonym instead of their name',
  }),
  STEWARD_SMTP_URL: Type.Optional(
    Type.String({
      pattern: '^smtps?://[^\\s]+$',
      description:
        'e-mail notifications to people through this SMTP relay: smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps:// (TLS); needs STEWARD_SMTP_FROM',
    }),
  ),
  STEWARD_SMTP_FROM: Type.Optional(
    Type.String({
      minLength: 3,
      maxLength: 320,
      description: 'the From address of notification mails, e.g. Steward <steward@example.com>',
    }),
  ),
  STEWARD_PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]+$',
      description: 'where people reach the console, e.g. https://steward.example.com (links in mails; none without it)',
    }),
  ),
  STEWARD_EMAIL_INTERVAL_SECONDS: Type.Integer({
    minimum: 5,
    maximum: 3600,
    default: 60,
    description: 'seconds between runs of the e-mail delivery (immediate mails, retries, digests due)',
  }),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; timeoutMs?: number };
  logLevel: Static<typeof LogLevel>;
  bodyLimit: number;
  /** Largest evaluation data upload in bytes (streamed, never buffered). */
  evaluationLimit: number;
  /** Bytes an evaluation without a model may take in memory before it moves its columns to files. */
  evaluationMemory: number;
  /** Evaluations running at once (server-wide and per user); beyond them, 429 with Retry-After. */
  evaluations: { perServer: number; perUser: number };
  /** A stalled request body (fewer than minBytes in idleMs while the server reads it) is answered 408. */
  bodyTimeout: { idleMs: number; minBytes: number };
  /** Worker threads for evaluations, explanations and window statistics (off the event loop). */
  computeThreads: number;
  /** Where artefacts and registered datasets may be read from by the server (evaluations by reference). */
  artifacts: { roots: (string | { dir: string; team: string })[]; hosts: string[] };
  /** Internal hosts, addresses and CIDR blocks webhook deliveries may reach nonetheless. */
  webhookAllowHosts: string[];
  /** Who may scrape GET /metrics: a bearer token, or (without one) these addresses and blocks. */
  metrics: { token: string | undefined; allow: string[] };
  /** Kubernetes admission: the environment of each namespace whose workloads do not annotate one. */
  admission: { namespaces: Record<string, string> };
  /** Serve HTTPS with these PEM files (reloaded when they change, e.g. renewed by cert-manager). */
  tls: { certFile: string; keyFile: string } | undefined;
  /** Installed as the first admin's API token when the database has no users yet. */
  bootstrapToken: string | undefined;
  audit: { keyFile: string; origin: string | undefined };
  session: { idleMs: number; maxMs: number; secureCookie: boolean };
  /** Longest lifetime of a `sign`-scoped API token, in hours. */
  signTokenMaxHours: number;
  /** Single sign-on with OpenID Connect (off when no issuer is configured). */
  oidc: SsoSettings | undefined;
  /** Who may sign in with a local password. */
  localPasswords: LocalPasswords;
  mlflow: {
    defaultUseCase?: string | undefined;
    runArtifacts?: string | undefined;
    registrationChecks: boolean;
    requireUseCase?: boolean | undefined;
  };
  /** Sources discovery scans for ungoverned models, and how often. */
  discovery: {
    mlflowUrls: string[];
    mlflowToken: string | undefined;
    artifactRoots: string[];
    intervalMs: number;
  };
  /** The built console's directory (index.html and assets). */
  consoleDir: string;
  /** The governance programme: whether this server takes the daily KPI snapshot; whether the leaderboard pseudonymises people. */
  governance: { dailySnapshots: boolean; pseudonyms: boolean; liveLimit?: number };
  /** Notifications to people: the SMTP relay (none: console only), the console's public URL, the delivery interval. */
  notifications: { smtp: { url: string; from: string } | undefined; publicUrl: string | null; deliverEveryMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** One thread less than the CPUs (the event loop keeps one), at least 1 and at most 4. */
export const defaultComputeThreads = (): number => Math.min(4, Math.max(1, availableParallelism() - 1));

/** web/dist beside src/ of this installation. */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../web/dist', import.meta.url));

const validateEnv = compileSchema(EnvSchema, 'config');

/** A team's name (as teams are named) before `=`: the rest is a directory only that team reads. */
const TEAM_ROOT = /^([a-z0-9][a-z0-9._-]*)=(.+)$/;

/** `dir` (open to all teams) or `team=dir` (only datasets and use cases that team owns read it). */
function artifactRoot(entry: string): string | { dir: string; team: string } {
  const scoped = TEAM_ROOT.exec(entry);
  return scoped ? { dir: resolve(scoped[2]!.trim()), team: scoped[1]! } : resolve(entry);
}

// What a valid value looks like, said with every problem of that setting (enumerations list theirs).
const VALID: Partial<Record<keyof typeof EnvSchema.properties, string>> = {
  PORT: 'an integer from 0 to 65535, e.g. 8080',
  HOST: 'an address to listen on, e.g. 0.0.0.0 or 127.0.0.1',
  STEWARD_DATABASE_URL: 'postgres://user:password@host:5432/database or sqlite://path/to/steward.db',
  STEWARD_BODY_LIMIT: 'a number of bytes, at least 1024, e.g. 1048576',
  STEWARD_EVALUATION_LIMIT: 'a number of bytes, at least 1024, e.g. 536870912',
  STEWARD_EVALUATION_MEMORY: 'a number of bytes, at least 0, e.g. 134217728',
  STEWARD_ARTIFACT_HOSTS: 'comma-separated host or host:port, e.g. minio:9000,*.example.com',
  STEWARD_BOOTSTRAP_TOKEN: 'a secret of 24 to 256 characters without spaces, e.g. the output of openssl rand -hex 32',
  STEWARD_AUDIT_ORIGIN: 'up to 200 characters without spaces or +, e.g. steward.example.com/audit',
  STEWARD_SESSION_IDLE_MINUTES: 'whole minutes from 1 to 1440, e.g. 30',
  STEWARD_SESSION_MAX_HOURS: 'whole hours from 1 to 720, e.g. 12',
  STEWARD_SECURE_COOKIES: 'true or false',
  STEWARD_MLFLOW_REGISTRATION_CHECKS: 'true or false',
  STEWARD_KPI_SNAPSHOTS: 'true or false',
  STEWARD_LEADERBOARD_PSEUDONYMS: 'true or false',
  STEWARD_SMTP_URL: 'smtp://host:25, smtp://user:password@host:587 or smtps://host:465',
  STEWARD_PUBLIC_URL: 'http(s)://host[:port][/path], e.g. https://steward.example.com',
  STEWARD_MLFLOW_REQUIRE_USE_CASE: 'true or false',
  STEWARD_DISCOVERY_MLFLOW_URLS:
    'comma-separated http(s) URLs, e.g. https://mlflow.example.com,http://user:secret@mlflow2:5000',
  STEWARD_DISCOVERY_INTERVAL_MINUTES: 'whole minutes from 0 to 10080, e.g. 60',
  STEWARD_MLFLOW_RUN_ARTIFACTS: 'a location holding {run_id}, e.g. s3://mlflow/0/{run_id}/artifacts',
  STEWARD_EVALUATIONS_PER_SERVER: 'a whole number from 1 to 1024, e.g. 4',
  STEWARD_EVALUATIONS_PER_USER: 'a whole number from 1 to 1024, e.g. 2',
  STEWARD_BODY_IDLE_SECONDS: 'whole seconds from 1 to 3600, e.g. 30',
  STEWARD_BODY_MIN_BYTES: 'a number of bytes from 1 to 1073741824, e.g. 1024',
  STEWARD_COMPUTE_THREADS: 'a whole number from 1 to 64, e.g. 2',
  STEWARD_DATABASE_TIMEOUT_MS: 'milliseconds from 100 to 600000, e.g. 5000',
};

/** `KEY message`, with what a valid value looks like; a bare pattern is replaced by it. */
function configProblem(pointer: string, message: string): string {
  const key = pointer.slice(1).split('/')[0] as keyof typeof VALID;
  const valid = VALID[key];
  if (!valid) return `${key} ${message}`;
  return message.startsWith('must match pattern')
    ? `${key} must look like ${valid}`
    : `${key} ${message} (valid: ${valid})`;
}

/** Reads a claims-mapping file (JSON is YAML too); throws ConfigError with every problem in it. */
export function readClaimsMap(file: string): ClaimsMap {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`STEWARD_OIDC_CLAIMS_MAP ${file} cannot be read: ${(err as Error).message}`]);
  }
  const parsed = parseClaimsMap(doc);
  if ('problems' in parsed) throw new ConfigError(parsed.problems.map((p) => `STEWARD_OIDC_CLAIMS_MAP ${file}: ${p}`));
  return parsed.map;
}

/** Single sign-on settings: all of issuer and client id, or none of the OIDC settings. */
function oidcSettings(e: Static<typeof EnvSchema>): SsoSettings | undefined {
  const given = (
    [
      'STEWARD_OIDC_CLIENT_ID',
      'STEWARD_OIDC_CLIENT_SECRET',
      'STEWARD_OIDC_CLAIMS_MAP',
      'STEWARD_OIDC_REDIRECT_URI',
    ] as const
  ).filter((k) => e[k] !== undefined);
  if (e.STEWARD_OIDC_ISSUER === undefined) {
    if (given.length > 0) throw new ConfigError([`${given.join(', ')} need STEWARD_OIDC_ISSUER (single sign-on)`]);
    if (e.STEWARD_LOCAL_PASSWORDS !== 'all')
      throw new ConfigError(['STEWARD_LOCAL_PASSWORDS other than all needs single sign-on (STEWARD_OIDC_ISSUER)']);
    return undefined;
  }
  if (e.STEWARD_OIDC_CLIENT_ID === undefined)
    throw new ConfigError(['STEWARD_OIDC_ISSUER needs STEWARD_OIDC_CLIENT_ID, the client registered at the provider']);
  return {
    issuer: e.STEWARD_OIDC_ISSUER,
    clientId: e.STEWARD_OIDC_CLIENT_ID,
    clientSecret: e.STEWARD_OIDC_CLIENT_SECRET,
    claims: e.STEWARD_OIDC_CLAIMS_MAP ? readClaimsMap(resolve(e.STEWARD_OIDC_CLAIMS_MAP)) : DEFAULT_CLAIMS_MAP,
    redirectUri: e.STEWARD_OIDC_REDIRECT_URI,
  };
}

/** Parses the environment once; throws ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const keys = Object.keys(EnvSchema.properties) as (keyof typeof EnvSchema.properties)[];
  const raw: Record<string, unknown> = {};
  for (const k of keys) {
    const v = env[k];
    if (v !== undefined && v !== '') raw[k] = v;
  }
  if (!validateEnv(raw)) {
    throw new ConfigError(toFieldErrors(validateEnv.errors, '').map((e) => configProblem(e.pointer, e.message)));
  }
  const e = raw as Static<typeof EnvSchema>;
  const webhookAllowHosts = (e.STEWARD_WEBHOOK_ALLOW_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const badHosts = parseAllowList(webhookAllowHosts).invalid;
  if (badHosts.length > 0)
    throw new ConfigError([
      `STEWARD_WEBHOOK_ALLOW_HOSTS has ${badHosts.map((h) => `'${h}'`).join(', ')}, which is neither a host name, an IP address nor a CIDR block`,
    ]);
  const metricsAllow = (e.STEWARD_METRICS_ALLOW ?? '127.0.0.1,::1')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const badAllow = metricsAllow.filter((a) => parseAllowList([a]).blocks.length === 0);
  if (badAllow.length > 0)
    throw new ConfigError([
      `STEWARD_METRICS_ALLOW has ${badAllow.map((h) => `'${h}'`).join(', ')}, which is neither an IP address nor a CIDR block`,
    ]);
  if ((e.STEWARD_SMTP_URL === undefined) !== (e.STEWARD_SMTP_FROM === undefined))
    throw new ConfigError(['STEWARD_SMTP_URL and STEWARD_SMTP_FROM go together: set both or neither']);
  if ((e.STEWARD_TLS_CERT_FILE === undefined) !== (e.STEWARD_TLS_KEY_FILE === undefined))
    throw new ConfigError(['STEWARD_TLS_CERT_FILE and STEWARD_TLS_KEY_FILE go together: set both or neither']);
  const oidc = oidcSettings(e);
  const dataDir = resolve(e.STEWARD_DATA_DIR);
  const url = e.STEWARD_DATABASE_URL;
  let database: Config['database'];
  if (url && /^postgres(ql)?:\/\//.test(url))
    database = { kind: 'postgres', url, timeoutMs: e.STEWARD_DATABASE_TIMEOUT_MS };
  else if (url) {
    const path = url.replace(/^sqlite:\/\//, '');
    database = { kind: 'sqlite', file: path === ':memory:' ? ':memory:' : resolve(path) };
  } else database = { kind: 'sqlite', file: resolve(dataDir, 'steward.db') };
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database,
    logLevel: e.STEWARD_LOG_LEVEL,
    bodyLimit: e.STEWARD_BODY_LIMIT,
    evaluationLimit: e.STEWARD_EVALUATION_LIMIT,
    evaluationMemory: e.STEWARD_EVALUATION_MEMORY,
    evaluations: { perServer: e.STEWARD_EVALUATIONS_PER_SERVER, perUser: e.STEWARD_EVALUATIONS_PER_USER },
    bodyTimeout: { idleMs: e.STEWARD_BODY_IDLE_SECONDS * 1000, minBytes: e.STEWARD_BODY_MIN_BYTES },
    computeThreads: e.STEWARD_COMPUTE_THREADS ?? defaultComputeThreads(),
    artifacts: {
      roots: (e.STEWARD_ARTIFACT_ROOTS ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean)
        .map(artifactRoot),
      hosts: (e.STEWARD_ARTIFACT_HOSTS ?? '')
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean),
    },
    webhookAllowHosts,
    metrics: { token: e.STEWARD_METRICS_TOKEN, allow: metricsAllow },
    tls:
      e.STEWARD_TLS_CERT_FILE && e.STEWARD_TLS_KEY_FILE
        ? { certFile: resolve(e.STEWARD_TLS_CERT_FILE), keyFile: resolve(e.STEWARD_TLS_KEY_FILE) }
        : undefined,
    admission: {
      namespaces: Object.fromEntries(
        (e.STEWARD_ADMISSION_NAMESPACES ?? '')
          .split(',')
          .filter(Boolean)
          .map((pair) => pair.split('=') as [string, string]),
      ),
    },
    bootstrapToken: e.STEWARD_BOOTSTRAP_TOKEN,
    audit: {
      keyFile: resolve(e.STEWARD_AUDIT_KEY_FILE ?? resolve(dataDir, 'audit-signing-key.pem')),
      origin: e.STEWARD_AUDIT_ORIGIN,
    },
    session: {
      idleMs: e.STEWARD_SESSION_IDLE_MINUTES * 60_000,
      maxMs: e.STEWARD_SESSION_MAX_HOURS * 3_600_000,
      secureCookie: e.STEWARD_SECURE_COOKIES,
    },
    signTokenMaxHours: e.STEWARD_SIGN_TOKEN_MAX_HOURS,
    oidc,
    localPasswords: e.STEWARD_LOCAL_PASSWORDS as LocalPasswords,
    consoleDir: resolve(e.STEWARD_CONSOLE_DIR ?? DEFAULT_CONSOLE_DIR),
    mlflow: {
      defaultUseCase: e.STEWARD_MLFLOW_USE_CASE,
      runArtifacts: e.STEWARD_MLFLOW_RUN_ARTIFACTS,
      registrationChecks: e.STEWARD_MLFLOW_REGISTRATION_CHECKS,
      requireUseCase: e.STEWARD_MLFLOW_REQUIRE_USE_CASE,
    },
    discovery: {
      mlflowUrls: (e.STEWARD_DISCOVERY_MLFLOW_URLS ?? '').split(',').filter(Boolean),
      mlflowToken: e.STEWARD_DISCOVERY_MLFLOW_TOKEN,
      artifactRoots: (e.STEWARD_DISCOVERY_ARTIFACT_ROOTS ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean)
        .map((r) => resolve(r)),
      intervalMs: e.STEWARD_DISCOVERY_INTERVAL_MINUTES * 60_000,
    },
    governance: { dailySnapshots: e.STEWARD_KPI_SNAPSHOTS, pseudonyms: e.STEWARD_LEADERBOARD_PSEUDONYMS },
    notifications: {
      smtp:
        e.STEWARD_SMTP_URL && e.STEWARD_SMTP_FROM ? { url: e.STEWARD_SMTP_URL, from: e.STEWARD_SMTP_FROM } : undefined,
      publicUrl: e.STEWARD_PUBLIC_URL ?? null,
      deliverEveryMs: e.STEWARD_EMAIL_INTERVAL_SECONDS * 1000,
    },
  };
}
