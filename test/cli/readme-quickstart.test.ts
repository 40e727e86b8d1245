import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/** The README's quickstart commands: its sh block, continuation lines joined, comments dropped. */
function quickstart(): string[][] {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('## Quickstart'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README has no quickstart sh block');
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean)
    .map((line) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!));
}

// The README's quickstart, run as written by the real `steward` against a live server.
describe('the README quickstart', () => {
  // No teams seeded: the quickstart creates its own.
  const t = useTestApp('sqlite', { teams: [] });
  const work = mkdtempSync(join(tmpdir(), 'steward-quickstart-'));
  let env: Record<string, string>;
  beforeAll(async () => {
    env = await listenForCli(t.app);
    writeFileSync(join(work, 'model.onnx'), 'a model file');
  });

  it('runs every command as written: all succeed, and the check refuses production with its reasons', async () => {
    const commands = quickstart();
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const [program, ...args] of commands) {
      expect(program).toBe('steward');
      const withFiles = args.map((a) => (a === './model.onnx' ? join(work, 'model.onnx') : a));
      const r = await runCli(withFiles, env);
      if (args[0] === 'check') {
        expect(r.code, r.stderr).toBe(1);
        expect(r.stdout + r.stderr).toMatch(/production/);
      } else expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
    }
  });
});
