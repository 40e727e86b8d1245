import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';
import { adHocAnalysis } from '../helpers/policy.ts';

const dir = mkdtempSync(join(tmpdir(), 'steward-cli-bad-'));
const data = join(dir, 'eval.csv');
writeFileSync(data, 'y,yhat\n1,1\n0,0\n');
const doc = join(dir, 'doc.md');
writeFileSync(doc, '# doc');
const answers = join(dir, 'answers.json');
writeFileSync(answers, JSON.stringify(adHocAnalysis));
const GHOST = ['--model', 'ghost', '--version', '1'];
const ID = '01a24627-0000-7000-8000-000000000000';
const EVAL = ['--data', data, '--task', 'binary-classification', '--label', 'y', '--prediction', 'yhat'];

/** Each lifecycle command: an unknown model (or id) is the server's 404, printed; a missing option is usage. */
const UNKNOWN: [string, string[], RegExp][] = [
  ['models get', ['models', 'get', 'ghost'], /not_found.*model 'ghost' does not exist/],
  ['versions list', ['versions', 'list', '--model', 'ghost'], /not_found.*'ghost'/],
  ['versions get', ['versions', 'get', ...GHOST], /not_found.*ghost/],
  [
    'documents add',
    ['documents', 'add', ...GHOST, '--kind', 'model-card', '--title', 't', '--file', doc],
    /not_found.*ghost/,
  ],
  ['evaluate --upload', ['evaluate', '--upload', ...GHOST, ...EVAL], /not_found.*ghost/],
  ['sign', ['sign', ...GHOST, '--role', 'risk-audit', '--meaning', 'approve', '--password-stdin'], /not_found.*ghost/],
  ['promote', ['promote', ...GHOST, '--env', 'qa', '--reason', 'r'], /not_found.*ghost/],
  ['promotions list', ['promotions', 'list', ...GHOST], /not_found.*ghost/],
  ['promotions cancel', ['promotions', 'cancel', ID, ...GHOST], /not_found.*ghost/],
  ['deployments list', ['deployments', 'list', ...GHOST], /not_found.*ghost/],
  ['deployments verify', ['deployments', 'verify', ID, ...GHOST], /not_found.*ghost/],
  ['requirements', ['requirements', ...GHOST], /not_found.*ghost/],
  ['transition', ['transition', ...GHOST, '--to', 'development'], /not_found.*ghost/],
  ['alerts list', ['alerts', 'list', ...GHOST], /not_found.*ghost/],
  ['alerts ack', ['alerts', 'ack', ID], /not_found/],
  ['use-cases assess', ['use-cases', 'assess', ID, '--answers', answers], /not_found/],
];

const MISSING: [string, string[], RegExp][] = [
  ['models get', ['models', 'get'], /missing required argument 'name'/],
  ['versions list', ['versions', 'list'], /--model/],
  ['versions get', ['versions', 'get', '--model', 'm'], /--version/],
  ['documents add', ['documents', 'add', ...GHOST, '--title', 't', '--file', doc], /--kind/],
  ['documents add without content', ['documents', 'add', ...GHOST, '--kind', 'k', '--title', 't'], /--file .*or --uri/],
  [
    'documents add without subject',
    ['documents', 'add', '--kind', 'k', '--title', 't', '--file', doc],
    /--model and --version/,
  ],
  ['evaluate --upload', ['evaluate', '--upload', ...EVAL], /--upload needs --model and --version/],
  ['evaluate --model without --upload', ['evaluate', ...EVAL, '--model', 'm.onnx'], /--onnx/],
  ['sign', ['sign', ...GHOST, '--meaning', 'approve'], /--role/],
  ['sign meaning', ['sign', ...GHOST, '--role', 'r', '--meaning', 'maybe'], /--meaning must be one of approve/],
  ['sign without a terminal', ['sign', ...GHOST, '--role', 'r', '--meaning', 'approve'], /--password-stdin/],
  ['promote', ['promote', ...GHOST, '--env', 'qa'], /--reason/],
  ['promote env', ['promote', ...GHOST, '--env', 'moon', '--reason', 'r'], /--env must be one of/],
  ['promotions list', ['promotions', 'list', '--model', 'ghost'], /--version/],
  ['promotions cancel', ['promotions', 'cancel', ...GHOST], /missing required argument 'id'/],
  ['deployments verify', ['deployments', 'verify', ID, '--version', '1'], /--model/],
  ['requirements version', ['requirements', '--model', 'ghost', '--version', 'x'], /positive integer/],
  ['transition', ['transition', ...GHOST], /--to/],
  ['tasks', ['tasks', '--status', 'later'], /--status must be one of open, done, cancelled, all/],
  ['alerts list', ['alerts', 'list', '--state', 'hot'], /--state must be one of/],
  ['alerts list model', ['alerts', 'list', '--model', 'ghost'], /--model and --version go together/],
  ['alerts ack', ['alerts', 'ack'], /missing required argument 'id'/],
  ['use-cases assess', ['use-cases', 'assess', ID], /--answers/],
  ['use-cases assess answers', ['use-cases', 'assess', ID, '--answers', doc], /not valid JSON/],
];

describe('bad input to the lifecycle commands (real process)', { timeout: 120_000 }, () => {
  const t = useTestApp('sqlite');
  let env: Record<string, string>;
  beforeAll(async () => {
    env = await listenForCli(t.app);
  });

  it('an unknown model or id: exit 1 with the problem printed', async () => {
    for (const [what, args, problem] of UNKNOWN) {
      const r = await runCli(args, env, { input: 'a-password' });
      expect(r.code, `${what}: ${r.stderr}`).toBe(1);
      expect(r.stderr, what).toMatch(problem);
      expect(r.stderr, what).not.toMatch(/\n\s+at /); // a problem, not a stack trace
    }
  });

  it('a missing or malformed option: exit 2 naming it', async () => {
    for (const [what, args, message] of MISSING) {
      const r = await runCli(args, env);
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      expect(r.stderr, what).toMatch(message);
    }
  });
});
