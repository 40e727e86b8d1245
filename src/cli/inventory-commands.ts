import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createClient, UsageError } from './client.ts';
import { collect, print } from './output.ts';

/** `k=v` pairs from repeated --tag options. */
export function parsePairs(pairs: string[] | undefined, what: string): Record<string, string> | undefined {
  if (!pairs?.length) return undefined;
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`${what} '${p}' is not of the form key=value`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new UsageError(
      `cannot read artifact file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return `sha256:${hash.digest('hex')}`;
}

interface ModelRecord {
  id: string;
  name: string;
  useCaseId: string;
  description?: string | null;
  tags?: Record<string, string>;
  latestVersion: number | null;
}
interface VersionRecord {
  model: string;
  version: number;
  artifactUri: string;
  artifactDigest: string;
  createdAt: string;
  metrics?: Record<string, number>;
  aliases?: string[];
}
const describeVersion = (v: VersionRecord) =>
  `${v.model} version ${v.version}  ${v.createdAt}${v.aliases?.length ? `  [${v.aliases.join(', ')}]` : ''}`;

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function inventoryCommands(program: Command): void {
  const useCases = program.command('use-cases').description('use cases (analytics initiatives)');
  useCases
    .command('create')
    .description('register a use case: what the models serve, for whom, where')
    .requiredOption('--name <name>')
    .requiredOption('--objective <text>')
    .requiredOption('--owner-team <team>')
    .requiredOption('--consumers <who>', 'internal-few | internal-many | public')
    .requiredOption('--region <code>', 'region (repeatable)', collect)
    .requiredOption('--sector <sector>')
    .option('--personal-data', 'the use case processes personal data', false)
    .option('--kpis <file>', 'JSON file: [{name, target, direction, unit?}]')
    .option('--json', 'print the created record as JSON', false)
    .action(async (o) => {
      const body = {
        name: o.name,
        objective: o.objective,
        ownerTeam: o.ownerTeam,
        consumers: o.consumers,
        regions: o.region,
        sector: o.sector,
        processesPersonalData: o.personalData,
        ...(o.kpis ? { kpis: await readJsonFile(o.kpis, 'KPIs') } : {}),
      };
      const u = await createClient().request<{ id: string; name: string }>('POST', '/api/v1/use-cases', body);
      print(o.json, u, `created use case ${u.name} (${u.id})`);
    });
  useCases
    .command('assess <id>')
    .description("answer the use case's risk questionnaire: sets its tier, process and requirements")
    .requiredOption('--answers <file>', 'JSON file of the answers, {question: answer}')
    .option('--json', 'print the assessment as JSON', false)
    .action(async (id: string, o) => {
      const answers = await readJsonFile(o.answers, 'answers');
      const a = await createClient().request<{ tier: number; euAiAct: string }>(
        'PUT',
        `/api/v1/use-cases/${encodeURIComponent(id)}/assessment`,
        { answers },
      );
      print(o.json, a, `assessed: tier ${a.tier} (EU AI Act: ${a.euAiAct})`);
    });
  useCases
    .command('list')
    .description('list the use cases')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const page = await createClient().request<Page<{ id: string; name: string; ownerTeam: string }>>(
        'GET',
        '/api/v1/use-cases?limit=500',
      );
      print(
        o.json,
        page.items,
        page.items.map((u) => `${u.id}  ${u.name}  (${u.ownerTeam})`).join('\n') || 'no use cases',
      );
    });

  const models = program.command('models').description('registered models');
  models
    .command('create')
    .description('register a model under a use case')
    .requiredOption('--name <name>')
    .requiredOption('--use-case <id>', 'id of the use case the model serves')
    .option('--description <text>')
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--json', 'print the created record as JSON', false)
    .action(async (o) => {
      const body = { name: o.name, useCaseId: o.useCase, description: o.description, tags: parsePairs(o.tag, 'tag') };
      const m = await createClient().request<{ name: string; id: string }>('POST', '/api/v1/models', body);
      print(o.json, m, `created model ${m.name} (${m.id})`);
    });
  models
    .command('get <name>')
    .description('one model: its use case, tags and latest version')
    .option('--json', 'print JSON', false)
    .action(async (name: string, o) => {
      const m = await createClient().request<ModelRecord>('GET', `/api/v1/models/${encodeURIComponent(name)}`);
      print(
        o.json,
        m,
        [
          `${m.name}  (${m.id})`,
          `  use case: ${m.useCaseId}`,
          `  latest version: ${m.latestVersion ?? '-'}`,
          ...(m.description ? [`  ${m.description}`] : []),
          ...Object.entries(m.tags ?? {}).map(([k, v]) => `  tag ${k}=${v}`),
        ].join('\n'),
      );
    });
  models
    .command('list')
    .description('list the models, filtered by use case, tag or text')
    .option('--use-case <id>')
    .option('--tag <key[=value]>')
    .option('--search <text>', 'text in name or description')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const client = createClient();
      const all: { name: string; latestVersion: number | null; useCaseId: string }[] = [];
      let cursor: string | null = null;
      do {
        const q = new URLSearchParams({ limit: '500' });
        if (o.useCase) q.set('useCaseId', o.useCase);
        if (o.tag) q.set('tag', o.tag);
        if (o.search) q.set('q', o.search);
        if (cursor) q.set('cursor', cursor);
        const page: Page<(typeof all)[number]> = await client.request('GET', `/api/v1/models?${q}`);
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      print(o.json, all, all.map((m) => `${m.name}  latest=${m.latestVersion ?? '-'}`).join('\n') || 'no models');
    });

  const versions = program.command('versions').description('model versions');
  versions
    .command('list')
    .description("list a model's versions")
    .requiredOption('--model <name>', 'the model')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const client = createClient();
      const all: VersionRecord[] = [];
      let cursor: string | null = null;
      do {
        const q = new URLSearchParams({ limit: '500' });
        if (cursor) q.set('cursor', cursor);
        const page: Page<VersionRecord> = await client.request(
          'GET',
          `/api/v1/models/${encodeURIComponent(o.model)}/versions?${q}`,
        );
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      print(o.json, all, all.map(describeVersion).join('\n') || 'no versions');
    });
  versions
    .command('get')
    .description('one version: artefact, digest, metrics and aliases')
    .requiredOption('--model <name>', 'the model')
    .requiredOption('--version <n>', 'the version number')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const n = Number(o.version);
      if (!Number.isInteger(n) || n < 1)
        throw new UsageError(`--version must be a positive integer, not '${o.version}'`);
      const v = await createClient().request<VersionRecord>(
        'GET',
        `/api/v1/models/${encodeURIComponent(o.model)}/versions/${n}`,
      );
      print(
        o.json,
        v,
        [
          describeVersion(v),
          `  artefact: ${v.artifactUri}`,
          `  digest: ${v.artifactDigest}`,
          ...Object.entries(v.metrics ?? {}).map(([k, x]) => `  metric ${k}=${x}`),
        ].join('\n'),
      );
    });
  versions
    .command('create')
    .description('register a version of a model: its artefact, digest, metrics, code and data')
    .requiredOption('--model <name>')
    .requiredOption('--artifact-uri <uri>')
    .option('--artifact-digest <sha256:hex>', 'digest of the artefact')
    .option('--artifact-file <path>', 'compute the digest from this local file instead')
    .option('--framework <name>')
    .option('--metrics <file>', 'JSON file of {name: number}')
    .option('--params <file>', 'JSON file of {name: value}')
    .option('--code-repository <url>')
    .option('--code-commit <sha>')
    .option(
      '--dataset <name:version:role>',
      'dataset version used (repeatable), role = training | evaluation | validation',
      collect,
    )
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--description <text>')
    .option('--json', 'print the created record as JSON', false)
    .action(async (o) => {
      if (!o.artifactDigest === !o.artifactFile)
        throw new UsageError('give exactly one of --artifact-digest and --artifact-file');
      if (!o.codeRepository !== !o.codeCommit) throw new UsageError('--code-repository and --code-commit go together');
      const datasets = (o.dataset as string[] | undefined)?.map((d) => {
        const m = /^(.+):(\d+):(training|evaluation|validation)$/.exec(d);
        if (!m) throw new UsageError(`--dataset '${d}' is not of the form name:version:role`);
        return { dataset: m[1], version: Number(m[2]), role: m[3] };
      });
      const body = {
        artifactUri: o.artifactUri,
        artifactDigest: o.artifactDigest ?? (await sha256File(o.artifactFile)),
        framework: o.framework,
        metrics: o.metrics ? await readJsonFile(o.metrics, 'metrics') : undefined,
        params: o.params ? await readJsonFile(o.params, 'params') : undefined,
        code: o.codeRepository ? { repository: o.codeRepository, commit: o.codeCommit } : undefined,
        datasets,
        tags: parsePairs(o.tag, 'tag'),
        description: o.description,
      };
      const v = await createClient().request<{ model: string; version: number }>(
        'POST',
        `/api/v1/models/${encodeURIComponent(o.model)}/versions`,
        body,
      );
      print(o.json, v, `registered ${v.model} version ${v.version}`);
    });
}
