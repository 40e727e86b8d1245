import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { blocks, DEFAULT_EXCEPTIONS, exceptionRules, findingsRules } from '../../src/domain/policy/pack-governance.ts';
import { validatePack } from '../../src/domain/policy/validate.ts';
import { DEFAULT_PACK_FILE } from '../../src/features/policy/pack-file.ts';

const shipped = () => parse(readFileSync(DEFAULT_PACK_FILE, 'utf8'));

describe('the pack sections for findings and exceptions', () => {
  it('the shipped pack holds them and validates', () => {
    const { pack, problems } = validatePack(shipped());
    expect(problems).toEqual([]);
    expect(findingsRules(pack)).toEqual({
      raisedBy: ['risk-audit'],
      severities: ['low', 'medium', 'high', 'critical'],
      blockAt: 'high',
      gates: ['production'],
    });
    expect(exceptionRules(pack)).toEqual({ approvedBy: ['risk-audit'], maxDays: 90 });
  });

  it('a pack without them gets the defaults', () => {
    const doc = shipped();
    delete doc.findings;
    delete doc.exceptions;
    const { pack } = validatePack(doc);
    expect(findingsRules(pack).blockAt).toBe('high');
    expect(exceptionRules(pack)).toEqual(DEFAULT_EXCEPTIONS);
  });

  it('refuses a blocking severity the pack does not list, unknown roles and environments, bad maxima', () => {
    const doc = shipped();
    doc.findings.blockAt = 'severe';
    expect(validatePack(doc).problems).toEqual([
      {
        path: '/findings/blockAt',
        message: "'severe' is not one of the findings severities: low, medium, high, critical",
      },
    ]);
    const roles = shipped();
    roles.exceptions.approvedBy = ['auditor'];
    expect(validatePack(roles).problems[0]!.path).toBe('/exceptions/approvedBy/0');
    const env = shipped();
    env.findings.gates = ['staging'];
    expect(validatePack(env).problems[0]!.path).toBe('/findings/gates/0');
    const days = shipped();
    days.exceptions.maxDays = 0;
    expect(validatePack(days).problems[0]!.path).toBe('/exceptions/maxDays');
  });

  it('blocks from the blocking severity up, only the environments named', () => {
    const rules = findingsRules(validatePack(shipped()).pack);
    expect(blocks(rules, 'critical', 'production')).toBe(true);
    expect(blocks(rules, 'high', 'production')).toBe(true);
    expect(blocks(rules, 'medium', 'production')).toBe(false);
    expect(blocks(rules, 'critical', 'preproduction')).toBe(false);
    expect(blocks({ ...rules, blockAt: null }, 'critical', 'production')).toBe(false);
  });
});
