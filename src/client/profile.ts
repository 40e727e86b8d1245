// Client helper for high-volume producers: build mergeable monitoring profiles next to the model
// (one per time window) and send them instead of rows.
//
//   const monitor = await (await fetch(`${url}/api/v1/models/${model}/versions/${v}/monitor`, { headers })).json();
//   const edges = monitor.reference.columns.age.profileEdges;
//   const builder = createProfileBuilder({ age: { type: 'numerical', edges }, region: { type: 'categorical' } }, window);
//   for (const r of records) builder.add(r.features);
//   await postProfile({ url, token, model, version: v, profile: builder.build() });

import type { Profile } from '../domain/monitoring/profile.ts';

export { binOf, createProfileBuilder, mergeProfiles, profileProblems } from '../domain/monitoring/profile.ts';
export type {
  CategoricalProfile,
  FeatureProfile,
  FeatureSpec,
  NumericalProfile,
  Profile,
} from '../domain/monitoring/profile.ts';

export interface PostProfileOptions {
  /** Steward's base URL, e.g. https://steward.example.org */
  url: string;
  /** An API token with the write scope and the monitoring:write permission on the model's team. */
  token: string;
  model: string;
  version: number;
  profile: Profile;
  /** Idempotency key; a re-sent profile with the same key is counted once (default: its content hash). */
  key?: string;
}

/** Sends a profile; resolves with the batch report, rejects with the problem's detail. */
export async function postProfile(
  o: PostProfileOptions,
): Promise<{ id: string; accepted: number; duplicates: number; duplicate: boolean }> {
  const target = new URL(`/api/v1/models/${encodeURIComponent(o.model)}/versions/${o.version}/profiles`, o.url);
  if (o.key !== undefined) target.searchParams.set('key', o.key);
  const res = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
    body: JSON.stringify(o.profile),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`profile refused (${res.status} ${String(body.code)}): ${String(body.detail)}`);
  return body as never;
}
