import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { call, expectProblem, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { parseClaimsMap, rolesFromClaims, usernameFromClaims } from '../../src/domain/claims-map.ts';

const dir = mkdtempSync(join(tmpdir(), 'steward-sso-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('single sign-on configuration', () => {
  it('reads the issuer, the client and a YAML claims mapping', () => {
    const c = loadConfig({
      STEWARD_OIDC_ISSUER: 'https://login.example.com/realms/bank',
      STEWARD_OIDC_CLIENT_ID: 'steward',
      STEWARD_OIDC_CLIENT_SECRET: 'shh',
      STEWARD_OIDC_CLAIMS_MAP: file(
        'map.yaml',
        'usernameClaim: email\nrules:\n  - claim: groups\n    value: risk-ds\n    grant: credit-risk:data-scientist\n  - { claim: realm_access.roles, value: steward-admin, grant: "*:admin" }\n',
      ),
      STEWARD_LOCAL_PASSWORDS: 'admins',
    });
    expect(c.localPasswords).toBe('admins');
    expect(c.oidc).toMatchObject({
      issuer: 'https://login.example.com/realms/bank',
      clientId: 'steward',
      clientSecret: 'shh',
      claims: {
        usernameClaim: 'email',
        rules: [
          { claim: 'groups', value: 'risk-ds', grant: { scope: 'credit-risk', role: 'data-scientist' } },
          { claim: 'realm_access.roles', value: 'steward-admin', grant: { scope: '*', role: 'admin' } },
        ],
      },
    });
    expect(loadConfig({}).oidc).toBeUndefined();
    expect(loadConfig({}).localPasswords).toBe('all');
  });

  it('refuses settings that do not go together, and every problem of a mapping file', () => {
    expect(() => loadConfig({ STEWARD_OIDC_CLIENT_ID: 'x' })).toThrow(
      /STEWARD_OIDC_CLIENT_ID need STEWARD_OIDC_ISSUER/,
    );
    expect(() => loadConfig({ STEWARD_LOCAL_PASSWORDS: 'off' })).toThrow(/needs single sign-on/);
    expect(() => loadConfig({ STEWARD_LOCAL_PASSWORDS: 'some' })).toThrow(/STEWARD_LOCAL_PASSWORDS/);
    expect(() => loadConfig({ STEWARD_OIDC_ISSUER: 'https://idp.example.com' })).toThrow(/STEWARD_OIDC_CLIENT_ID/);
    expect(() => loadConfig({ STEWARD_OIDC_ISSUER: 'ftp://idp', STEWARD_OIDC_CLIENT_ID: 'x' })).toThrow(
      /STEWARD_OIDC_ISSUER/,
    );
    const base = { STEWARD_OIDC_ISSUER: 'https://idp.example.com', STEWARD_OIDC_CLIENT_ID: 'x' };
    expect(() => loadConfig({ ...base, STEWARD_OIDC_CLAIMS_MAP: join(dir, 'missing.yaml') })).toThrow(/cannot be read/);
    expect(() => loadConfig({ ...base, STEWARD_OIDC_CLAIMS_MAP: file('bad.yaml', 'rules: [a: b') })).toThrow(
      /cannot be read/,
    );
    let message = '';
    try {
      loadConfig({
        ...base,
        STEWARD_OIDC_CLAIMS_MAP: file(
          'wrong.json',
          JSON.stringify({
            rulez: [],
            rules: [
              { claim: 'groups', value: 'x', grant: 'team:owner' },
              { claim: '', grant: 'x' },
            ],
          }),
        ),
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/unknown setting 'rulez'/);
    expect(message).toMatch(/rules\[0\]\.grant must be team:role/);
    expect(message).toMatch(/rules\[1\]\.claim must be a claim name/);
    expect(message).toMatch(/rules\[1\]\.value must be a non-empty string/);
  });
});

describe('claims mapping rules', () => {
  const parsed = parseClaimsMap({
    rules: [
      { claim: 'groups', value: 'a', grant: 'alpha:viewer' },
      { claim: 'groups', value: 'b', grant: 'alpha:viewer' },
      { claim: 'department', value: 'risk', grant: '*:risk-audit' },
      { claim: 'realm_access.roles', value: 'admins', grant: '*:admin' },
    ],
  });
  const map = 'map' in parsed ? parsed.map : (undefined as never);

  it('grants each matching role once, from string, list and nested claims', () => {
    expect(
      rolesFromClaims(map, { groups: ['a', 'b'], department: 'risk', realm_access: { roles: ['admins'] } }),
    ).toEqual([
      { scope: 'alpha', role: 'viewer' },
      { scope: '*', role: 'risk-audit' },
      { scope: '*', role: 'admin' },
    ]);
    expect(rolesFromClaims(map, { groups: 'c' })).toEqual([]);
  });

  it('derives a username in the username alphabet', () => {
    expect(usernameFromClaims(map, { sub: 's', preferred_username: 'Jane.Doe' })).toBe('jane.doe');
    expect(usernameFromClaims(map, { sub: 's', email: 'J Smith@example.com' })).toBe('j-smith');
    expect(usernameFromClaims(map, { sub: '__x' })).toBe('x');
    expect(usernameFromClaims(map, { sub: '__' })).toBeNull();
  });
});

describe.each(DB_KINDS)('without single sign-on on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: [] });

    it('says so, answers 404 at its endpoints, and refuses a re-authentication proof', async () => {
      const methods = await call(t.app, { method: 'GET', url: '/api/v1/auth/methods', token: null });
      expect(methods.body).toEqual({ sso: false, localPasswords: 'all' });
      for (const url of ['/api/v1/auth/oidc/login', '/api/v1/auth/oidc/callback?code=x&state=y'])
        expectProblem(await call(t.app, { method: 'GET', url, token: null }), 404, 'not_found');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/auth/oidc/reauthenticate' }), 404, 'not_found');
      const uc = await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases/00000000-0000-4000-8000-000000000000/signatures',
        body: { role: 'admin', meaning: 'acknowledge', reauthProof: 'made-up' },
      });
      expect(uc.status).toBeGreaterThanOrEqual(400);
      expect(uc.status).toBeLessThan(500);
    });
  });
});
