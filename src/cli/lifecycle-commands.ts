import type { Command } from 'commander';
import type { Environment } from '../client/index.ts';
import { createClient, UsageError } from './client.ts';

const ENVIRONMENTS = ['development', 'qa', 'preproduction', 'production'];

/** `steward check`: the deployment gate for CI/CD pipelines and admission controllers. */
export function lifecycleCommands(program: Command): void {
  program
    .command('check')
    .description('may this version run in this environment now? exit 0 when allowed, 1 with the reasons when not')
    .requiredOption('--model <name>', 'the model')
    .requiredOption('--version <n>', 'the version number')
    .requiredOption('--env <environment>', ENVIRONMENTS.join(' | '))
    .option('--json', 'print the answer as JSON', false)
    .action(async (o) => {
      const version = Number(o.version);
      if (!Number.isInteger(version) || version < 1)
        throw new UsageError(`--version must be a positive integer, not '${o.version}'`);
      if (!ENVIRONMENTS.includes(o.env))
        throw new UsageError(`--env must be one of ${ENVIRONMENTS.join(', ')}, not '${o.env}'`);
      const answer = await createClient().steward.check(o.model, version, o.env as Environment);
      if (o.json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
      else if (answer.allowed) process.stdout.write(`allowed: ${o.model} version ${version} may run in ${o.env}\n`);
      else
        process.stdout.write(
          `not allowed: ${o.model} version ${version} may not run in ${o.env}\n${answer.reasons.map((r) => `  - ${r}`).join('\n')}\n`,
        );
      process.exitCode = answer.allowed ? 0 : 1;
    });
}
