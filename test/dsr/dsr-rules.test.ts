import { describe, expect, it } from 'vitest';
import { addMonths, columnHolds, dsrWork, isDay, isOverdue } from '../../src/domain/dsr.ts';

describe('data-subject request rules', () => {
  it('counts one calendar month, clamped to the end of a shorter month', () => {
    expect(addMonths('2026-01-15', 1)).toBe('2026-02-15');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-12-20', 1)).toBe('2027-01-20');
    expect(addMonths('2026-03-31', 2)).toBe('2026-05-31');
    expect(addMonths('2026-11-30', 3)).toBe('2027-02-28');
  });

  it('accepts only real calendar days', () => {
    expect(isDay('2026-02-28')).toBe(true);
    expect(isDay('2026-02-30')).toBe(false);
    expect(isDay('2026-2-1')).toBe(false);
    expect(isDay('31/01/2026')).toBe(false);
  });

  it('is overdue only while open and past the due day', () => {
    expect(isOverdue({ status: 'in-progress', dueOn: '2026-03-01' }, '2026-03-02')).toBe(true);
    expect(isOverdue({ status: 'received', dueOn: '2026-03-02' }, '2026-03-02')).toBe(false);
    expect(isOverdue({ status: 'completed', dueOn: '2026-03-01' }, '2026-04-01')).toBe(false);
  });

  it('matches categories by PII kind, all personal data, or text; never non-personal columns', () => {
    const email = { name: 'email', description: 'contact e-mail', piiKind: 'direct-identifier' };
    const zip = { name: 'zip', description: 'postcode', piiKind: 'quasi-identifier' };
    const income = { name: 'email_count', description: '', piiKind: 'none' };
    expect(columnHolds('direct-identifier', email)).toBe(true);
    expect(columnHolds('direct-identifier', zip)).toBe(false);
    expect(columnHolds('personal-data', zip)).toBe(true);
    expect(columnHolds('E-Mail', email)).toBe(true);
    expect(columnHolds('email', income)).toBe(false);
  });

  it('asks erasure-like requests to change data and consider retraining', () => {
    expect(dsrWork('erasure')).toEqual({ erase: 'Erase', retrain: true });
    expect(dsrWork('objection-automated-decision')).toEqual({ erase: null, retrain: true });
    expect(dsrWork('access')).toEqual({ erase: null, retrain: false });
  });
});
