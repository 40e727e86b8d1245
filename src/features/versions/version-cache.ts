import type { VersionRecord } from './versions.repo.ts';

/**
 * Read-through cache of model versions for the embedded (single-process SQLite) deployment, where
 * every write passes through this process. Versions are immutable in what defines them, so reads
 * dominate (serving stacks resolve `name@alias` constantly). Writers call `modelChanged` after
 * commit; a read that raced with a write is never stored (generation check).
 */
export interface VersionCache {
  read(
    name: string,
    version: number,
    load: () => Promise<VersionRecord | undefined>,
  ): Promise<VersionRecord | undefined>;
  modelChanged(modelId: string): void;
}

export function createVersionCache(max = 10_000): VersionCache {
  const entries = new Map<string, VersionRecord>();
  const keysByModel = new Map<string, Set<string>>();
  let generation = 0;

  const evict = (key: string) => {
    const rec = entries.get(key);
    if (!rec) return;
    entries.delete(key);
    keysByModel.get(rec.modelId)?.delete(key);
  };

  return {
    async read(name, version, load) {
      const key = `${name}\u0000${version}`;
      const hit = entries.get(key);
      if (hit) return hit;
      const seen = generation;
      const rec = await load();
      if (rec && seen === generation) {
        if (entries.size >= max) evict(entries.keys().next().value!);
        entries.set(key, rec);
        let keys = keysByModel.get(rec.modelId);
        if (!keys) keysByModel.set(rec.modelId, (keys = new Set()));
        keys.add(key);
      }
      return rec;
    },
    modelChanged(modelId) {
      generation++;
      const keys = keysByModel.get(modelId);
      if (!keys) return;
      for (const key of keys) entries.delete(key);
      keysByModel.delete(modelId);
    },
  };
}

/** The pass-through used where other processes may write (PostgreSQL with several replicas). */
export const noVersionCache: VersionCache = { read: (_n, _v, load) => load(), modelChanged: () => {} };
