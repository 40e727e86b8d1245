#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs as `prepare`).
// From a source checkout without a build, `npm run steward -- <command>` runs the TypeScript.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const compiled = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'index.js');
if (!existsSync(compiled)) {
  process.stderr.write('error: Steward is not built: run `npm run build` (or `npm run steward -- <command>`)\n');
  process.exit(2);
}
await import(pathToFileURL(compiled).href);
