import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { PackProblem } from '../../domain/policy/validate.ts';

/** The default policy pack shipped with Steward. */
export const DEFAULT_PACK_FILE = fileURLToPath(new URL('../../../policies/default.yaml', import.meta.url));

/**
 * Parses a pack's text, YAML or JSON (JSON is YAML). Duplicate keys and YAML's non-JSON types
 * (dates, binary) are refused so that the parsed document is exactly what JSON Schema validates.
 */
export function parsePackText(text: string): { doc: unknown; problems: PackProblem[] } {
  try {
    return {
      doc: parse(text, { uniqueKeys: true, schema: 'core', prettyErrors: true, maxAliasCount: 100 }),
      problems: [],
    };
  } catch (err) {
    const e = err as Error & { linePos?: { line: number; col: number }[] };
    const at = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
    return {
      doc: undefined,
      problems: [{ path: '/', message: `not valid YAML or JSON${at}: ${e.message.split('\n')[0]}` }],
    };
  }
}

export const readPackFile = (file: string): { doc: unknown; problems: PackProblem[] } =>
  parsePackText(readFileSync(file, 'utf8'));
