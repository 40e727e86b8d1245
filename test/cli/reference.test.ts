import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fullProgram } from '../../src/cli/program.ts';
import { REFERENCE_FILE, renderReference, undescribed } from '../../src/cli/reference.ts';

describe('the generated CLI reference', () => {
  it('docs/cli.md is what `npm run docs:cli` writes from the program now', async () => {
    const { program } = await fullProgram();
    // If this fails after changing a command: run `npm run docs:cli` and commit docs/cli.md.
    expect(readFileSync(REFERENCE_FILE, 'utf8')).toBe(renderReference(program));
  });

  it('every command and subcommand has a description', async () => {
    const { program } = await fullProgram();
    expect(undescribed(program)).toEqual([]);
  });
});
