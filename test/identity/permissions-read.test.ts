import { describe, expect, it } from 'vitest';
import { call, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

// What the console hides or disables follows from this read, so it must say what the server allows.
describe.each(DB_KINDS)('the caller’s permissions in GET /me on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending'] });
    const permissions = async (token: string) =>
      (
        (await call(t.app, { method: 'GET', url: '/api/v1/me', token })).body.permissions as {
          permission: string;
          scope: string;
        }[]
      ).map((p) => `${p.permission}@${p.scope}`);

    it('lists each permission where it is held, organisation-only ones only when held organisation-wide', async () => {
      const viewer = await seedUser(t.app, 'vic', [{ scope: 'lending', role: 'viewer' }]);
      expect(await permissions(viewer)).toEqual(['inventory:read@lending']);
      const teamRisk = await seedUser(t.app, 'tess', [{ scope: 'lending', role: 'risk-audit' }]);
      const mine = await permissions(teamRisk);
      expect(mine).toContain('oversight:suspend@lending');
      expect(mine).toContain('assessment:confirm@lending');
      // The audit trail and the identity register are organisation-wide: a team role does not open them.
      expect(mine.filter((p) => p.startsWith('audit:read') || p.startsWith('identity:read'))).toEqual([]);
      const orgRisk = await seedUser(t.app, 'oren', [{ scope: '*', role: 'risk-audit' }]);
      expect(await permissions(orgRisk)).toContain('audit:read@*');
    });

    it('narrows the list to what a token’s scopes allow', async () => {
      const readOnly = await seedUser(t.app, 'rhea', [{ scope: 'lending', role: 'data-scientist' }], ['read']);
      expect(await permissions(readOnly)).toEqual(['inventory:read@lending']);
      const writer = await seedUser(t.app, 'wes', [{ scope: 'lending', role: 'data-scientist' }]);
      expect(await permissions(writer)).toEqual(
        expect.arrayContaining(['inventory:read@lending', 'version:write@lending', 'alias:write@lending']),
      );
      expect(await permissions(writer)).not.toContain('audit:read@lending');
    });

    it('says which roles grant each permission and where they must be held, as the server decides', async () => {
      const vic = await seedUser(t.app, 'val', [{ scope: 'lending', role: 'viewer' }]);
      const rules = (await call(t.app, { method: 'GET', url: '/api/v1/me', token: vic })).body.permissionRules as {
        permission: string;
        roles: string[];
        where: string;
      }[];
      const rule = (p: string) => rules.find((r) => r.permission === p);
      expect(rule('oversight:suspend')).toEqual({
        permission: 'oversight:suspend',
        roles: ['business-stakeholder', 'risk-audit', 'production', 'admin'],
        where: 'team',
      });
      expect(rule('audit:read')).toEqual({
        permission: 'audit:read',
        roles: ['risk-audit', 'admin'],
        where: 'organisation',
      });
      expect(rule('inventory:read')?.where).toBe('any');
      expect(rule('version:write')?.roles).toEqual(['data-scientist', 'admin']);
      // Every permission the server knows is described, whoever asks.
      expect(rules).toHaveLength(19);
    });
  });
});
