import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_PACK_FILE } from '../../src/features/policy/pack-file.ts';
import type { App } from '../../src/http/app-types.ts';
import { call, seedUser } from '../helpers/app.ts';

/** The UTC day `n` days before today (negative: after). */
export const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/**
 * Makes the shipped pack, with its trainings enforced from `enforceFrom`, the active pack: uploaded
 * by the bootstrap administrator, activated (an e-signature) by a second administrator.
 */
export async function activateEnforcedPack(
  app: App,
  enforceFrom = daysAgo(30),
  version = '1.1.0',
): Promise<{ packId: string; activator: string }> {
  const pack = parse(readFileSync(DEFAULT_PACK_FILE, 'utf8'));
  pack.version = version;
  pack.trainings.enforceFrom = enforceFrom;
  const uploaded = await call(app, { method: 'POST', url: '/api/v1/policies', body: { pack } });
  expect(uploaded.status, uploaded.text).toBe(201);
  const activator = `activator-${version.replaceAll('.', '-')}`;
  const token = await seedUser(app, activator, [{ scope: '*', role: 'admin' }], ['read', 'write', 'admin']);
  const activated = await call(app, {
    method: 'POST',
    url: `/api/v1/policies/${uploaded.body.id}/activate`,
    token,
    body: { password: `${activator}-correct-horse-battery` },
  });
  expect(activated.status, activated.text).toBe(200);
  return { packId: uploaded.body.id as string, activator: token };
}
