import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const read = (path: string) => readFileSync(root(path), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  license: string;
  engines?: { node?: string };
  overrides?: Record<string, unknown>;
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(read('package-lock.json')) as {
  packages: Record<string, { version: string; engines?: { node?: string } }>;
};

describe('a clone makes sense on its own', () => {
  it('ships the Apache-2.0 licence package.json declares', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const licence = read('LICENSE');
    expect(licence).toMatch(/^Copyright 2026 The Steward authors$/m);
    expect(licence).toContain('Apache License');
    expect(licence).toContain('Version 2.0, January 2004');
    expect(licence).toContain('END OF TERMS AND CONDITIONS');
  });

  it('declares Node 20 and locks no dependency that wants a newer Node', () => {
    expect(pkg.engines?.node).toBe('>=20');
    const tooNew = Object.entries(lock.packages)
      .filter(([, p]) => /^>=\s*(2[1-9]|[3-9]\d)/.test(p.engines?.node ?? ''))
      .map(([path, p]) => `${path}@${p.version} (${p.engines!.node})`);
    expect(tooNew).toEqual([]);
  });

  it('skips the onnxruntime download without an .npmrc key npm warns about', () => {
    const npmrc = existsSync(root('.npmrc')) ? read('.npmrc') : '';
    expect(npmrc).not.toMatch(/onnxruntime/);
    // An explicit denial: npm skips the install script silently (it only fetches CUDA libraries).
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
  });

  it("the README's and the docs' curl examples against the API send an Authorization header", () => {
    const pages = [
      'README.md',
      ...readdirSync(root('docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const blocks = pages.flatMap((page) => [...read(page).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!));
    // Commands with their continuation lines joined.
    const commands = blocks.flatMap((b) => b.replace(/\\\n/g, ' ').split('\n'));
    const calls = commands.filter((c) => /\bcurl\b/.test(c) && /\$\{?API\b|\$V\b|\/api\/v1\//.test(c));
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.filter((c) => !/authorization: bearer/i.test(c))).toEqual([]);
  });
});
