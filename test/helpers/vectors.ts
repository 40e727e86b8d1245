import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** ../shared/vectors/ next to the project, absent in a plain clone outside CI. */
export const VECTORS_DIR = fileURLToPath(new URL('../../../shared/vectors/', import.meta.url));

export function loadVectors(name: string): { doc: Record<string, unknown> | null; skip: string | null } {
  const path = `${VECTORS_DIR}${name}`;
  if (!existsSync(path))
    return { doc: null, skip: `golden vectors skipped: ${path} is absent (it ships beside the project in CI)` };
  return { doc: JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>, skip: null };
}
