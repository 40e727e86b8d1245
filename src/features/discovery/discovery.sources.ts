// The scanning connectors: an external server speaking the MLflow REST API, and directories of
// model artefacts. Each returns what it saw or throws; the scan records the error per source and
// retries with backoff, so one failing source never stops the others.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { opendir } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import type { Seen } from './discovery.repo.ts';

/** File extensions of model artefacts that artefact roots are searched for. */
export const MODEL_EXTENSIONS = ['.onnx', '.pkl', '.joblib', '.pt', '.safetensors', '.gguf'] as const;

/** An MLflow server to scan: its base URL without credentials, and how to authenticate. */
export interface MlflowSource {
  origin: string;
  authorization: string | undefined;
}

/**
 * Splits a configured URL into its shown origin (credentials removed, so they never reach a
 * finding or the audit trail) and its Authorization header: user and password in the URL as
 * Basic, otherwise the token as Bearer.
 */
export function mlflowSource(url: string, token: string | undefined): MlflowSource {
  const u = new URL(url);
  let authorization = token ? `Bearer ${token}` : undefined;
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const password = decodeURIComponent(u.password);
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  return { origin: u.toString().replace(/\/+$/, ''), authorization };
}

// Bounds what one server can make a scan do: pages beyond this are a server that never ends.
const MAX_PAGES = 10_000;
const TIMEOUT_MS = 30_000;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function tagsOf(v: unknown): Record<string, string> {
  if (!Array.isArray(v)) return {};
  const out: Record<string, string> = {};
  for (const t of v) if (isObject(t) && typeof t.key === 'string' && typeof t.value === 'string') out[t.key] = t.value;
  return out;
}

async function getJson(src: MlflowSource, path: string, params: Record<string, string>): Promise<Json> {
  const url = `${src.origin}/api/2.0/mlflow/${path}?${new URLSearchParams(params).toString()}`;
  const res = await fetch(url, {
    headers: { accept: 'application/json', ...(src.authorization ? { authorization: src.authorization } : {}) },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${body.slice(0, 200)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`GET ${path} answered something that is not JSON: ${body.slice(0, 100)}`);
  }
  if (!isObject(parsed)) throw new Error(`GET ${path} answered JSON that is not an object`);
  return parsed;
}

/** Every item of a paged MLflow search, following `next_page_token`. */
async function allPages(src: MlflowSource, path: string, field: string, pageSize: number): Promise<Json[]> {
  const items: Json[] = [];
  const tokens = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = await getJson(src, path, { max_results: String(pageSize), ...(token ? { page_token: token } : {}) });
    const list = body[field] ?? [];
    if (!Array.isArray(list)) throw new Error(`GET ${path}: ${field} is not a list`);
    for (const item of list) if (isObject(item)) items.push(item);
    token = text(body.next_page_token);
    if (!token) return items;
    if (tokens.has(token)) throw new Error(`GET ${path} repeated the page token ${token.slice(0, 40)}`);
    tokens.add(token);
  }
  throw new Error(`GET ${path} has more than ${MAX_PAGES} pages`);
}

/** The registered models of an MLflow server with their versions, as findings keyed by model name. */
export async function scanMlflow(src: MlflowSource): Promise<Seen[]> {
  const models = await allPages(src, 'registered-models/search', 'registered_models', 1000);
  const versions = await allPages(src, 'model-versions/search', 'model_versions', 1000);
  const byModel = new Map<string, Json[]>();
  for (const v of versions) {
    const name = text(v.name);
    if (name !== undefined) byModel.set(name, [...(byModel.get(name) ?? []), v]);
  }
  const seen: Seen[] = [];
  for (const m of models) {
    const name = text(m.name);
    if (!name) continue;
    const tags = tagsOf(m.tags);
    seen.push({
      source: 'mlflow',
      externalKey: `${src.origin}#${name}`,
      origin: src.origin,
      name,
      details: {
        description: text(m.description) ?? '',
        tags,
        versions: (byModel.get(name) ?? []).map((v) => ({
          version: text(v.version) ?? String(v.version ?? ''),
          source: text(v.source) ?? null,
          runId: text(v.run_id) ?? null,
          status: text(v.status) ?? null,
          stage: text(v.current_stage) ?? null,
          digest: tagsOf(v.tags)['steward.artifact_digest'] ?? null,
        })),
      },
    });
  }
  return seen;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Model artefacts under a directory (recursively; symbolic links are not followed, so a link cannot
 * loop the walk or lead outside the root), hashed with SHA-256 as they stream. Files whose digest
 * `governed` recognises are registered versions' artefacts and are not findings.
 */
export async function scanArtifactRoot(root: string, governed: (digest: string) => Promise<boolean>): Promise<Seen[]> {
  const seen: Seen[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of await opendir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && (MODEL_EXTENSIONS as readonly string[]).includes(extname(entry.name).toLowerCase())) {
        const digest = await sha256(path);
        if (await governed(digest)) continue;
        seen.push({
          source: 'artifact-root',
          externalKey: path,
          origin: root,
          name: entry.name,
          details: { path: relative(root, path), digest, format: extname(entry.name).slice(1).toLowerCase() },
        });
      }
    }
  };
  await walk(root);
  return seen;
}

export interface Retry {
  attempts: number;
  /** Wait before the second attempt; each further wait doubles. */
  baseMs: number;
}

/** Runs `fn` up to `attempts` times, waiting with exponential backoff; the last error is thrown. */
export async function withRetry<T>(retry: Retry, fn: () => Promise<T>): Promise<{ value: T; attempts: number }> {
  let last: unknown;
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    try {
      return { value: await fn(), attempts: attempt };
    } catch (err) {
      last = err;
      if (attempt < retry.attempts) await new Promise((r) => setTimeout(r, retry.baseMs * 2 ** (attempt - 1)));
    }
  }
  throw Object.assign(last instanceof Error ? last : new Error(String(last)), { attempts: retry.attempts });
}
