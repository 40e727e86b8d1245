import type { Command } from 'commander';
import { createClient, UsageError } from './client.ts';
import { print } from './output.ts';

interface Finding {
  id: string;
  source: string;
  origin: string;
  name: string;
  status: string;
  reason: string | null;
  modelId: string | null;
  firstSeenAt: string;
}
interface Outcome {
  source: string;
  origin: string;
  status: string;
  attempts: number;
  found: number;
  created: number;
  error: string | null;
}
interface Scan {
  id: string;
  status: string;
  sources: Outcome[];
}

const SOURCES = ['mlflow', 'admission', 'artifact-root', 'mlflow-intake'];
const STATUSES = ['open', 'adopted', 'dismissed'];

const oneOf = (option: string, value: string | undefined, allowed: string[]) => {
  if (value !== undefined && !allowed.includes(value))
    throw new UsageError(`${option} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value;
};

const path = (id: string, action: string) => `/api/v1/discovery/findings/${encodeURIComponent(id)}/${action}`;

/** `steward discovery`: models found outside the inventory, and their triage. */
export function discoveryCommands(program: Command): void {
  const discovery = program.command('discovery').description('models found outside the inventory (shadow AI)');
  discovery
    .command('scan')
    .description('scan every configured source now (MLflow servers, artefact roots) and print each outcome')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const scan = await createClient().request<Scan>('POST', '/api/v1/discovery/scans');
      print(
        o.json,
        scan,
        [
          `scan ${scan.id}: ${scan.status}`,
          ...scan.sources.map(
            (s) =>
              `  ${s.source} ${s.origin}: ${s.status === 'ok' ? `${s.found} found, ${s.created} new` : `FAILED after ${s.attempts} attempts: ${s.error}`}`,
          ),
        ].join('\n'),
      );
    });
  discovery
    .command('findings')
    .description('the discovery inbox, oldest first')
    .option('--source <source>', SOURCES.join(' | '))
    .option('--status <status>', STATUSES.join(' | '), 'open')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const q = new URLSearchParams({ limit: '500' });
      const source = oneOf('--source', o.source, SOURCES);
      if (source) q.set('source', source);
      q.set('status', oneOf('--status', o.status, STATUSES)!);
      const res = await createClient().request<{
        items: Finding[];
        counts: Record<string, number>;
      }>('GET', `/api/v1/discovery/findings?${q}`);
      print(
        o.json,
        res,
        [
          ...res.items.map(
            (f) => `${f.id}  ${f.source}  ${f.name}  (${f.origin}, ${f.status}${f.reason ? `: ${f.reason}` : ''})`,
          ),
          `open ${res.counts.open}, adopted ${res.counts.adopted}, dismissed ${res.counts.dismissed}`,
        ].join('\n'),
      );
    });
  discovery
    .command('adopt <id>')
    .description('adopt a finding: create (or link) the model under a use case')
    .requiredOption('--use-case <ref>', 'the use case (id or name) to govern it under')
    .option('--model <name>', "the model's name (default: the finding's); an existing model is linked")
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const f = await createClient().request<Finding>('POST', path(id, 'adopt'), {
        useCase: o.useCase,
        ...(o.model ? { model: o.model } : {}),
      });
      print(o.json, f, `finding ${f.id} adopted as model ${f.modelId}`);
    });
  discovery
    .command('dismiss <id>')
    .description('dismiss a finding with the reason it needs no governance')
    .requiredOption('--reason <text>', 'why (recorded and audited)')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const f = await createClient().request<Finding>('POST', path(id, 'dismiss'), { reason: o.reason });
      print(o.json, f, `finding ${f.id} dismissed: ${f.reason}`);
    });
}
