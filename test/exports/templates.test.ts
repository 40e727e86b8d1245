import { describe, expect, it } from 'vitest';
import { resolveTemplate } from '../../src/domain/exports/document.ts';
import { validatePack } from '../../src/domain/policy/validate.ts';
import { DEFAULT_PACK_FILE, readPackFile } from '../../src/features/policy/pack-file.ts';

describe('document templates in the policy pack', () => {
  const { doc } = readPackFile(DEFAULT_PACK_FILE);
  const pack = validatePack(doc).pack!;

  it('the shipped pack is valid and gives lower tiers a shorter model card', () => {
    expect(pack).not.toBeNull();
    const light = resolveTemplate('model-card', pack.documents, 1);
    const heavy = resolveTemplate('model-card', pack.documents, 4);
    expect(light.title).toBe('Model card (self-service analytics)');
    expect(light.sections.map((s) => s.id)).not.toContain('fairness');
    expect(heavy.sections.map((s) => s.id)).toEqual(
      expect.arrayContaining(['fairness', 'explanations', 'robustness', 'approvals', 'findings']),
    );
    expect(heavy.storeAs).toBe('generated-model-documentation');
    // Without a template (or outside its tiers) the built-in one applies.
    expect(resolveTemplate('annex-iv', undefined, null).sections).toHaveLength(9);
  });

  it('refuses a template naming a section the document does not have, listing the ones it has', () => {
    const bad = structuredClone(doc) as { documents: { sections?: { id: string }[] }[] };
    bad.documents[0]!.sections = [{ id: 'horoscope' }];
    const { pack: refused, problems } = validatePack(bad);
    expect(refused).toBeNull();
    expect(problems).toEqual([
      {
        path: '/documents/0/sections/0/id',
        message: expect.stringMatching(/^'horoscope' is not a section of a model-card; use one of intended-use, /),
      },
    ]);
  });
});
