import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createClient, UsageError } from './client.ts';
import { print } from './output.ts';
import { passwordFrom, readStdin } from './prompt.ts';

export const ENVIRONMENTS = ['development', 'qa', 'preproduction', 'production'];
const MEANINGS = ['approve', 'reject', 'review', 'acknowledge', 'author'];

/** `--version` as a positive integer. */
export function versionNumber(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--version must be a positive integer, not '${v}'`);
  return n;
}

/** The API path of the version named by --model and --version. */
export const versionPath = (o: { model: string; version: string }) =>
  `/api/v1/models/${encodeURIComponent(o.model)}/versions/${versionNumber(o.version)}`;

/** The version, or with --use-case a use case's own steps: exactly one of them. */
function subjectPath(o: { model?: string; version?: string; useCase?: string }): string {
  if (o.useCase !== undefined) {
    if (o.model !== undefined || o.version !== undefined)
      throw new UsageError('give either --use-case or --model with --version, not both');
    return `/api/v1/use-cases/${encodeURIComponent(o.useCase)}`;
  }
  if (o.model === undefined || o.version === undefined)
    throw new UsageError('give --model and --version (or --use-case for the use case itself)');
  return versionPath({ model: o.model, version: o.version });
}

const versionOptions = (c: Command) =>
  c.requiredOption('--model <name>', 'the model').requiredOption('--version <n>', 'the version number');
const subjectOptions = (c: Command) =>
  c
    .option('--model <name>', 'the model (with --version)')
    .option('--version <n>', 'the version number')
    .option('--use-case <id>', "the use case, for its own steps' gates");

interface Blocker {
  gate: string;
  measure: string;
  title: string;
  status: string;
  detail: string[];
  signoff: boolean;
}
interface Step {
  id: string;
  title?: string;
  state: string;
  gate: { step: string; passed: boolean; blockers: Blocker[] };
}
interface Promotion {
  id: string;
  environment: string;
  status: string;
  reason: string;
  blockers: Blocker[];
  reasons: string[];
  requestedAt: string;
}

const describePromotion = (p: Promotion) =>
  [
    `${p.id}  ${p.environment}  ${p.status}  ${p.requestedAt}  ${p.reason}`,
    ...p.blockers.map((b) => `  - ${b.gate}: ${b.measure} (${b.status}): ${b.detail.join('; ')}`),
  ].join('\n');

/** The governed lifecycle of a version: evidence, signatures, promotions, deployments. */
export function versionCommands(program: Command): void {
  subjectOptions(
    program
      .command('requirements')
      .description('what blocks the version (or use case) now: the unmet measures of each gate not yet passed'),
  )
    .option('--json', 'print the gates as JSON', false)
    .action(async (o) => {
      const status = await createClient().request<{ step: string | null; steps: Step[] }>(
        'GET',
        `${subjectPath(o)}/lifecycle`,
      );
      const lines = [`current step: ${status.step ?? '(not governed)'}`];
      for (const s of status.steps) {
        lines.push(`gate ${s.id}${s.title ? ` (${s.title})` : ''}: ${s.gate.passed ? 'passed' : 'blocked'}`);
        for (const b of s.gate.blockers)
          lines.push(`  - ${b.measure} (${b.status}) ${b.title}`, ...b.detail.map((d) => `      ${d}`));
      }
      print(
        o.json,
        { step: status.step, gates: status.steps.map((s) => ({ state: s.state, ...s.gate })) },
        lines.join('\n'),
      );
    });

  const documents = program.command('documents').description('documents recorded as evidence, and their reviews');
  subjectOptions(documents.command('add'))
    .description('record a document (Markdown from a file or standard input, or a reference by URI) as evidence')
    .requiredOption('--kind <kind>', 'the document kind a policy measure asks for, e.g. model-card')
    .requiredOption('--title <title>', 'its title')
    .option('--file <path>', "the document's Markdown; - reads standard input")
    .option('--uri <uri>', 'where the document lives, instead of (or as well as) its content')
    .option('--digest <sha256:hex>', 'digest of the document at --uri')
    .option('--json', 'print the recorded evidence as JSON', false)
    .action(async (o) => {
      const path = subjectPath(o);
      if (o.file === undefined && o.uri === undefined)
        throw new UsageError('give --file (- for standard input) or --uri');
      let content: string | undefined;
      if (o.file === '-') content = await readStdin();
      else if (o.file !== undefined)
        content = await readFile(o.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new UsageError(`cannot read ${o.file}: ${err.code ?? err.message}`);
        });
      const doc = await createClient().request<{ id: string }>('POST', `${path}/documents`, {
        kind: o.kind,
        title: o.title,
        ...(content !== undefined ? { content } : {}),
        ...(o.uri ? { uri: o.uri } : {}),
        ...(o.digest ? { digest: o.digest } : {}),
      });
      print(o.json, doc, `recorded ${o.kind} document ${doc.id}`);
    });

  subjectOptions(
    documents
      .command('review <id>')
      .description(
        'accept or reject a document revision by an e-signature (only an accepted one counts); asks for your password again, or reads it with --password-stdin',
      ),
  )
    .requiredOption('--decision <decision>', 'accepted | rejected')
    .requiredOption('--role <role>', 'the role you review in, e.g. risk-audit')
    .option('--comment <text>', 'what you checked (required to reject)')
    .option('--password-stdin', 'read the password from standard input', false)
    .option('--json', 'print the review as JSON', false)
    .action(async (id: string, o) => {
      const path = subjectPath(o);
      if (!['accepted', 'rejected'].includes(o.decision))
        throw new UsageError(`--decision must be accepted or rejected, not '${o.decision}'`);
      const password = await passwordFrom(o, 'password (to sign the review): ');
      const review = await createClient().request<{ id: string; decision: string; role: string }>(
        'POST',
        `${path}/documents/${encodeURIComponent(id)}/review`,
        { decision: o.decision, role: o.role, ...(o.comment ? { comment: o.comment } : {}), password },
      );
      print(o.json, review, `${review.decision} as ${review.role}: ${review.id}`);
    });

  subjectOptions(
    program
      .command('sign')
      .description(
        'sign electronically (21 CFR Part 11): asks for your password again, or reads it with --password-stdin',
      ),
  )
    .requiredOption('--role <role>', 'the role you sign in, e.g. risk-audit')
    .requiredOption('--meaning <meaning>', MEANINGS.join(' | '))
    .option('--comment <text>', 'what you reviewed or why')
    .option('--password-stdin', 'read the password from standard input', false)
    .option('--json', 'print the signature as JSON', false)
    .action(async (o) => {
      const path = subjectPath(o);
      if (!MEANINGS.includes(o.meaning))
        throw new UsageError(`--meaning must be one of ${MEANINGS.join(', ')}, not '${o.meaning}'`);
      const password = await passwordFrom(o, 'password (to sign): ');
      const sig = await createClient().request<{ id: string; role: string; meaning: string }>(
        'POST',
        `${path}/signatures`,
        { role: o.role, meaning: o.meaning, ...(o.comment ? { comment: o.comment } : {}), password },
      );
      print(o.json, sig, `signed (${sig.meaning} as ${sig.role}): ${sig.id}`);
    });

  subjectOptions(
    program
      .command('transition')
      .description("move the version (or use case) to another step of its process once the current step's gate passes"),
  )
    .requiredOption('--to <step>', 'the step, e.g. development')
    .option('--json', 'print the new status as JSON', false)
    .action(async (o) => {
      const status = await createClient().request<{ step: string }>('POST', `${subjectPath(o)}/lifecycle/transitions`, {
        to: o.to,
      });
      print(o.json, status, `now at step ${status.step}`);
    });

  versionOptions(
    program
      .command('promote')
      .description(
        'request a promotion to an environment: completed when every gate it needs passes; exit 1 with the blockers when not',
      ),
  )
    .requiredOption('--env <environment>', ENVIRONMENTS.join(' | '))
    .requiredOption('--reason <text>', 'why, for the record')
    .option('--mode <mode>', 'deployment mode, e.g. single, shadow, canary')
    .option('--json', 'print the promotion request as JSON', false)
    .action(async (o) => {
      if (!ENVIRONMENTS.includes(o.env))
        throw new UsageError(`--env must be one of ${ENVIRONMENTS.join(', ')}, not '${o.env}'`);
      const p = await createClient().request<Promotion>('POST', `${versionPath(o)}/promotions`, {
        environment: o.env,
        reason: o.reason,
        ...(o.mode ? { mode: o.mode } : {}),
      });
      print(o.json, p, describePromotion(p));
      if (p.status === 'blocked' || p.status === 'rejected') process.exitCode = 1;
    });

  const promotions = program.command('promotions').description("a version's promotion requests");
  versionOptions(promotions.command('list').description("list the version's promotion requests"))
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const res = await createClient().request<{ items: Promotion[] }>('GET', `${versionPath(o)}/promotions`);
      print(o.json, res.items, res.items.map(describePromotion).join('\n') || 'no promotion requests');
    });
  versionOptions(promotions.command('cancel <id>').description('withdraw an open promotion request'))
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const p = await createClient().request<Promotion>(
        'POST',
        `${versionPath(o)}/promotions/${encodeURIComponent(id)}/cancellation`,
      );
      print(o.json, p, describePromotion(p));
    });

  const deployments = program.command('deployments').description("a version's deployments");
  versionOptions(deployments.command('list').description("list the version's deployments"))
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const status = await createClient().request<{
        deployments: {
          id: string;
          environment: string;
          mode: string;
          since: string;
          active: boolean;
          verifiedBy: string | null;
        }[];
      }>('GET', `${versionPath(o)}/lifecycle`);
      print(
        o.json,
        status.deployments,
        status.deployments
          .map(
            (d) =>
              `${d.id}  ${d.environment}  ${d.mode}  since ${d.since}${d.active ? '' : ' (ended)'}  ${d.verifiedBy ? `verified by ${d.verifiedBy}` : 'not verified'}`,
          )
          .join('\n') || 'no deployments',
      );
    });
  versionOptions(deployments.command('verify <id>').description('record that you verified this deployment'))
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      await createClient().request('POST', `${versionPath(o)}/deployments/${encodeURIComponent(id)}/verification`, {});
      print(o.json, { id, verified: true }, `deployment ${id} verified`);
    });
}
