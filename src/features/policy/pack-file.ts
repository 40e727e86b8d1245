import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, Parser } from 'yaml';
import { MAX_JSON_DEPTH, TOO_DEEP } from '../../lib/depth.ts';
import type { PackProblem } from '../../domain/policy/validate.ts';

/** The default policy pack shipped with Steward. */
export const DEFAULT_PACK_FILE = fileURLToPath(new URL('../../../policies/default.yaml', import.meta.url));

/**
 * Parses a pack's text, YAML or JSON (JSON is YAML). Duplicate keys and YAML's non-JSON types
 * (dates, binary) are refused so that the parsed document is exactly what JSON Schema validates.
 */
export function parsePackText(text: string): { doc: unknown; problems: PackProblem[] } {
  // The YAML library builds documents recursively: a deep enough text overflows its stack (or
  // worse), so nesting is measured on its concrete syntax tree first, which it builds iteratively.
  if (yamlDepth(text) > MAX_JSON_DEPTH) return { doc: undefined, problems: [{ path: '/', message: TOO_DEEP }] };
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

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/** Deepest nesting of collections in YAML text, read from its syntax tree without recursion. */
function yamlDepth(text: string): number {
  let max = 0;
  try {
    for (const token of new Parser().parse(text)) {
      const stack: [unknown, number][] = [[token, 0]];
      while (stack.length > 0) {
        const [node, depth] = stack.pop()!;
        if (node === null || typeof node !== 'object') continue;
        const d = COLLECTIONS.has((node as { type?: string }).type ?? '') ? depth + 1 : depth;
        if (d > MAX_JSON_DEPTH) return d;
        max = Math.max(max, d);
        for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, d]);
      }
    }
  } catch {
    // Unparseable text is reported by the parse itself.
  }
  return max;
}
