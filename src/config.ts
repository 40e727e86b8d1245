import { resolve } from 'node:path';
import { Type, type Static } from 'typebox';
import { compileSchema, toFieldErrors } from './http/validation.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LogLevel = Type.Enum(LOG_LEVELS);

/** Every setting Steward reads from the environment, with its default. */
const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  STEWARD_DATA_DIR: Type.String({ minLength: 1, default: './.steward' }),
  STEWARD_DATABASE_URL: Type.Optional(Type.String({ pattern: '^(postgres|postgresql|sqlite)://' })),
  STEWARD_LOG_LEVEL: Type.Enum(LOG_LEVELS, { default: 'info' }),
  STEWARD_BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1048576 }),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
  logLevel: Static<typeof LogLevel>;
  bodyLimit: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const validateEnv = compileSchema(EnvSchema, 'config');

/** Parses the environment once; throws ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const keys = Object.keys(EnvSchema.properties) as (keyof typeof EnvSchema.properties)[];
  const raw: Record<string, unknown> = {};
  for (const k of keys) {
    const v = env[k];
    if (v !== undefined && v !== '') raw[k] = v;
  }
  if (!validateEnv(raw)) {
    throw new ConfigError(toFieldErrors(validateEnv.errors, '').map((e) => `${e.pointer.slice(1)} ${e.message}`));
  }
  const e = raw as Static<typeof EnvSchema>;
  const dataDir = resolve(e.STEWARD_DATA_DIR);
  const url = e.STEWARD_DATABASE_URL;
  let database: Config['database'];
  if (url && /^postgres(ql)?:\/\//.test(url)) database = { kind: 'postgres', url };
  else if (url) database = { kind: 'sqlite', file: resolve(url.replace(/^sqlite:\/\//, '')) };
  else database = { kind: 'sqlite', file: resolve(dataDir, 'steward.db') };
  return { port: e.PORT, host: e.HOST, dataDir, database, logLevel: e.STEWARD_LOG_LEVEL, bodyLimit: e.STEWARD_BODY_LIMIT };
}
