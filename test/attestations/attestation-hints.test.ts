import { beforeAll, describe, expect, it } from 'vitest';
import { call, manualClock, seedUser } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { NAMES, useGovernedLifecycle } from '../helpers/lifecycle.ts';

type Hint = { allowed: boolean; code: string | null; reason: string | null };

// Each listed attestation says whether the caller may decide it now (`actions.decide`), by the
// decision command's own rule: the role the pack names, independence from the owners, the state.
// The command then does what the hint said.
describe.each(DB_KINDS)('attestation action hints on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const clock = manualClock(Date.parse('2030-03-01T09:00:00Z'));
    const { t } = useGovernedLifecycle(kind, { clock });
    const username = (user: string) => (user === 'both' ? 'bella' : NAMES[user]!);
    const tokens = new Map<string, Promise<string>>();
    // Tokens made once the clock has moved to the campaign's day.
    const token = (user: string): Promise<string> => {
      if (!tokens.has(user))
        tokens.set(
          user,
          call(t.app, {
            method: 'POST',
            url: '/api/v1/tokens',
            body: { name: `${user} hints`, username: username(user) },
          }).then((r) => r.body.token as string),
        );
      return tokens.get(user)!;
    };
    let owner = '';
    let validator = '';
    beforeAll(async () => {
      // An owner of the use case who is also a validator: never independent of the owners.
      await seedUser(t.app, 'bella', [
        { scope: 'lending', role: 'business-stakeholder' },
        { scope: 'lending', role: 'risk-audit' },
      ]);
      // Tier 4 attests every 90 days; its campaign opens 30 days before the due day.
      clock.advance(60 * 86_400_000);
      const run = await call(t.app, { method: 'POST', url: '/api/v1/attestations/campaigns' });
      expect(run.status, run.text).toBe(200);
      owner = run.body.opened.find((a: { kind: string }) => a.kind === 'owner').id;
      validator = run.body.opened.find((a: { kind: string }) => a.kind === 'validator').id;
    });
    const hint = async (user: string, id: string): Promise<Hint> => {
      const listed = await call(t.app, {
        method: 'GET',
        url: '/api/v1/attestations?limit=500',
        token: await token(user),
      });
      expect(listed.status, listed.text).toBe(200);
      const fromList = listed.body.items.find((a: { id: string }) => a.id === id).actions.decide;
      const one = await call(t.app, { method: 'GET', url: `/api/v1/attestations/${id}`, token: await token(user) });
      expect(one.body.actions.decide).toEqual(fromList);
      return fromList;
    };
    const decide = async (user: string, id: string, decision: string) =>
      call(t.app, {
        method: 'POST',
        url: `/api/v1/attestations/${id}/decision`,
        token: await token(user),
        body: { decision, password: `${username(user)}-correct-horse-battery` },
      });
    const agrees = (h: Hint, res: { status: number; text: string; body: { code?: string } }) => {
      if (h.allowed) expect(res.status, res.text).toBe(200);
      else {
        expect(res.status, res.text).toBe(h.code === 'conflict' ? 409 : 403);
        expect(res.body.code).toBe(h.code);
      }
    };

    it("offers the owner attestation to the use case's owners only", async () => {
      const rita = await hint('risk1', owner);
      expect(rita).toEqual({
        allowed: false,
        code: 'forbidden',
        reason:
          "Needs the role business-stakeholder in team 'lending' (or organisation-wide); you hold risk-audit there.",
      });
      agrees(rita, await decide('risk1', owner, 'still-accurate'));
      const olga = await hint('owner', owner);
      expect(olga).toEqual({ allowed: true, code: null, reason: null });
      agrees(olga, await decide('owner', owner, 'still-accurate'));
      // Decided: not offered again, to anyone.
      const again = await hint('owner', owner);
      expect(again).toEqual({ allowed: false, code: 'conflict', reason: 'It was decided already.' });
      agrees(again, await decide('owner', owner, 'retire'));
    });

    it('offers the revalidation to validators independent of the owners, saying why not before any password', async () => {
      const bella = await hint('both', validator);
      expect(bella).toEqual({
        allowed: false,
        code: 'separation_of_duties',
        reason:
          "You are an owner of use case 'credit' (you hold business-stakeholder in team 'lending'): its revalidation must come from a validator independent of its owners.",
      });
      agrees(bella, await decide('both', validator, 'revalidated'));
      const olga = await hint('owner', validator);
      expect(olga).toMatchObject({ allowed: false, code: 'forbidden' });
      agrees(olga, await decide('owner', validator, 'revalidated'));
      const outsider = await hint('outsider', validator);
      expect(outsider.reason).toBe(
        "Needs the role risk-audit in team 'lending' (or organisation-wide); you hold no role there.",
      );
      agrees(outsider, await decide('outsider', validator, 'revalidated'));
      const rita = await hint('risk1', validator);
      expect(rita).toEqual({ allowed: true, code: null, reason: null });
      agrees(rita, await decide('risk1', validator, 'revalidated'));
    });
  });
});
