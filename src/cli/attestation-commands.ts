import type { Command } from 'commander';
import { createClient, UsageError } from './client.ts';
import { print } from './output.ts';
import { passwordFrom } from './prompt.ts';

interface Attestation {
  id: string;
  useCase: { name: string };
  kind: string;
  tier: number;
  dueOn: string;
  overdue: boolean;
  status: string;
  decision: string | null;
}
interface Standing {
  useCase: { name: string };
  team: string;
  tier: number;
  status: string;
  lastAttestedOn: string | null;
  nextDueOn: string | null;
}

const KINDS = ['owner', 'validator'];
const STATUSES = ['open', 'decided'];
const DECISIONS = ['still-accurate', 'retire', 'description-changed', 'revalidated', 'not-revalidated'];

const oneOf = (option: string, value: string, allowed: string[]) => {
  if (!allowed.includes(value)) throw new UsageError(`${option} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value;
};

const line = (a: Attestation) =>
  `${a.id}  ${a.kind}  ${a.useCase.name} (tier ${a.tier})  due ${a.dueOn}  ${a.status}${a.decision ? ` ${a.decision}` : ''}${a.overdue ? '  OVERDUE' : ''}`;
const standingLine = (s: Standing) =>
  `${s.useCase.name}  ${s.team}  tier ${s.tier}  ${s.status}  last attested ${s.lastAttestedOn ?? '-'}  next due ${s.nextDueOn ?? '-'}`;

/** Periodic attestation and revalidation campaigns. */
export function attestationCommands(program: Command): void {
  const cmd = program
    .command('attestations')
    .description('periodic attestations by owners and revalidations by validators, by tier cadence');
  cmd
    .command('list')
    .description('attestations, oldest first')
    .option('--use-case <ref>', 'a use case (id or name)')
    .option('--team <team>', "the use case's team")
    .option('--kind <kind>', KINDS.join(' | '))
    .option('--status <status>', STATUSES.join(' | '))
    .option('--overdue', 'only open attestations past their due day', false)
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const q = new URLSearchParams({ limit: '500' });
      if (o.useCase) q.set('useCase', o.useCase);
      if (o.team) q.set('team', o.team);
      if (o.kind) q.set('kind', oneOf('--kind', o.kind, KINDS));
      if (o.status) q.set('status', oneOf('--status', o.status, STATUSES));
      if (o.overdue) q.set('overdue', 'true');
      const res = await createClient().request<{ items: Attestation[] }>('GET', `/api/v1/attestations?${q}`);
      print(o.json, res.items, res.items.map(line).join('\n') || 'no attestations');
    });
  cmd
    .command('status')
    .description("each assessed use case's attestation standing and next due day")
    .option('--team <team>', "the use case's team")
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const q = new URLSearchParams({ limit: '500' });
      if (o.team) q.set('team', o.team);
      const res = await createClient().request<{ items: Standing[] }>('GET', `/api/v1/attestations/status?${q}`);
      print(o.json, res.items, res.items.map(standingLine).join('\n') || 'no assessed use cases');
    });
  cmd
    .command('show <id>')
    .description('one attestation')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const a = await createClient().request<Attestation>('GET', `/api/v1/attestations/${encodeURIComponent(id)}`);
      print(o.json, a, line(a));
    });
  cmd
    .command('run')
    .description('run the campaign now (risk-audit or admin): open what is due, remind, escalate; each once')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const r = await createClient().request<{ opened: Attestation[]; reminded: number; escalated: number }>(
        'POST',
        '/api/v1/attestations/campaigns',
      );
      print(
        o.json,
        r,
        `${r.opened.length} opened, ${r.reminded} reminded, ${r.escalated} escalated${r.opened.length ? `\n${r.opened.map(line).join('\n')}` : ''}`,
      );
    });
  cmd
    .command('decide <id>')
    .description(
      'attest (owners: still-accurate, retire, description-changed) or revalidate (validators: revalidated, not-revalidated) by an e-signature; asks for your password again, or reads it with --password-stdin',
    )
    .requiredOption('--decision <decision>', DECISIONS.join(' | '))
    .option('--comment <text>', 'a comment signed with the decision')
    .option('--password-stdin', 'read the password from standard input', false)
    .option('--json', 'print JSON', false)
    .action(async (id: string, o) => {
      const decision = oneOf('--decision', o.decision, DECISIONS);
      const password = await passwordFrom(o, 'password (to sign the attestation): ');
      const a = await createClient().request<Attestation>(
        'POST',
        `/api/v1/attestations/${encodeURIComponent(id)}/decision`,
        { decision, password, ...(o.comment ? { comment: o.comment } : {}) },
      );
      print(o.json, a, `attestation ${a.id} decided: ${line(a)}`);
    });
}
