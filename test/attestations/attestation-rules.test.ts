import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addDays, campaignDue, decisionsFor, nextDueOn, remindable } from '../../src/domain/attestations.ts';
import { attestationRules } from '../../src/domain/policy/pack-attestations.ts';
import { validatePack } from '../../src/domain/policy/validate.ts';
import { DEFAULT_PACK_FILE } from '../../src/features/policy/pack-file.ts';

const shipped = () => parse(readFileSync(DEFAULT_PACK_FILE, 'utf8'));

describe('attestation rules', () => {
  it('the shipped pack holds them, each tier attesting at its review cadence', () => {
    const { pack, problems } = validatePack(shipped());
    expect(problems).toEqual([]);
    expect(attestationRules(pack!)).toEqual({
      attestedBy: ['business-stakeholder'],
      revalidatedBy: ['risk-audit'],
      revalidateTiers: [3, 4],
      everyDays: { 1: 730, 2: 365, 3: 180, 4: 90 },
      openDaysBefore: 30,
      remindDaysBefore: 7,
      escalateTo: ['risk-audit'],
    });
  });

  it('a pack without the section gets the defaults; a tier cadence may be set apart', () => {
    const doc = shipped();
    delete doc.attestations;
    expect(attestationRules(validatePack(doc).pack!)).toMatchObject({ openDaysBefore: 30, revalidateTiers: [3, 4] });
    doc.attestations = { everyDays: { '4': 30 } };
    expect(attestationRules(validatePack(doc).pack!).everyDays).toEqual({ 1: 730, 2: 365, 3: 180, 4: 30 });
  });

  it('refuses unknown roles, tiers and bad day counts', () => {
    const roles = shipped();
    roles.attestations.attestedBy = ['owner'];
    expect(validatePack(roles).problems[0]!.path).toBe('/attestations/attestedBy/0');
    const tiers = shipped();
    tiers.attestations.revalidateTiers = [5];
    expect(validatePack(tiers).problems[0]!.path).toBe('/attestations/revalidateTiers/0');
    const days = shipped();
    days.attestations.remindDaysBefore = 0;
    expect(validatePack(days).problems[0]!.path).toBe('/attestations/remindDaysBefore');
    const extra = shipped();
    extra.attestations.whenever = true;
    expect(validatePack(extra).problems).not.toEqual([]);
  });

  it('opens a campaign ahead of its due day; a day gone gets the full lead from today', () => {
    expect(nextDueOn({ assessedOn: '2030-03-01', lastSettledOn: null, everyDays: 90 })).toBe('2030-05-30');
    expect(nextDueOn({ assessedOn: '2030-03-01', lastSettledOn: '2030-05-31', everyDays: 90 })).toBe('2030-08-29');
    expect(campaignDue('2030-05-30', '2030-04-29', 30)).toBeNull();
    expect(campaignDue('2030-05-30', '2030-04-30', 30)).toBe('2030-05-30');
    expect(campaignDue('2030-05-30', '2031-01-10', 30)).toBe(addDays('2031-01-10', 30));
    expect(remindable('2030-05-30', '2030-05-22', 7)).toBe(false);
    expect(remindable('2030-05-30', '2030-05-23', 7)).toBe(true);
    expect(remindable('2030-05-30', '2030-05-31', 7)).toBe(false);
    expect(decisionsFor('owner')).toEqual(['still-accurate', 'retire', 'description-changed']);
    expect(decisionsFor('validator')).toEqual(['revalidated', 'not-revalidated']);
  });
});
