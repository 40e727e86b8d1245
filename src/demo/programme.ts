import type { DemoClient } from './client.ts';
import { DEMO_PASSWORD, PEOPLE } from './scenario.ts';

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The validator whose electronic-signature training lapsed: her signatures are refused until she renews it. */
export const LAPSED_SIGNER = 'nina';

/** The trainings each role requires in the shipped pack (a role absent here requires none). */
type Course = { id: string; requiredFor: string[] };

/**
 * Training records for everyone, imported by the administrator as from the learning system: each
 * person's required courses completed four months ago, except Nina's electronic-signature course,
 * completed two years and a half ago and so expired (it is valid for two years).
 */
export async function seedTrainings(c: DemoClient, courses: Course[], now: number): Promise<void> {
  const lines = ['username,training,completedOn'];
  for (const [username, , roles] of [...PEOPLE, ['admin', 'Administrator', [['*', 'admin']]] as const])
    for (const course of courses) {
      if (!roles.some(([, role]) => course.requiredFor.includes(role))) continue;
      const lapsed = username === LAPSED_SIGNER && course.id === 'electronic-signatures';
      lines.push(`${username},${course.id},${day(now - (lapsed ? 900 : 120) * DAY)}`);
    }
  await c.must('POST', '/api/v1/trainings/import', 'admin', { csv: `${lines.join('\n')}\n` });
}

// The quarter before Steward: the risk committee's monthly KPI pack, improving as the programme took hold.
const EARLIER: Record<string, number[]> = {
  'inventory-coverage': [0.55, 0.6, 0.68, 0.74, 0.8, 0.83],
  'high-risk-compliance': [0.2, 0.25, 0.3, 0.38, 0.45, 0.5],
  'monitoring-coverage': [0.4, 0.45, 0.5, 0.6, 0.66, 0.72],
  'overdue-tasks': [31, 27, 22, 18, 15, 12],
  'stale-approvals': [9, 8, 8, 6, 5, 4],
};

/**
 * The programme's own scenes: KPI history from before Steward (imported, shown as such) and today's
 * computed snapshot; a high finding that blocks the diagnostic triage model's production gate; a
 * waiver of one fraud-scorer measure approved by a second person; and Nina's signature refused for
 * her expired training.
 */
export async function seedProgramme(c: DemoClient, now: number): Promise<void> {
  const values = Object.entries(EARLIER).flatMap(([kpi, series]) =>
    series.map((value, i) => ({ day: day(now - (90 - i * 15) * DAY), kpi, value })),
  );
  await c.must('POST', '/api/v1/governance/kpis/history', 'rita', {
    source: 'Risk committee KPI pack, the quarter before Steward',
    values,
  });
  await c.must('POST', '/api/v1/governance/kpis/snapshots', 'rita');

  await c.must('POST', '/api/v1/findings', 'ravi', {
    model: 'triage-cnn',
    version: 1,
    severity: 'high',
    title: 'Sensitivity on paediatric images below the claimed level',
    description:
      'Outcomes analysis on the paediatric subset shows a sensitivity of 0.81 against the 0.90 the intended-use statement claims.',
    owner: 'sam',
    dueDate: day(now + 30 * DAY),
    remediation: 'Retrain with the paediatric images from the second site, or narrow the intended use to adults.',
  });

  // The fraud scorer's owners ask to waive one measure it still lacks while they build it.
  const requirements = await c.must('GET', '/api/v1/models/fraud-scorer/versions/1/requirements', 'sam');
  const waived = (requirements.requirements as { measure: string; status: string }[]).find(
    (r) => r.status === 'missing',
  );
  if (!waived) throw new Error('demo: the fraud scorer has no missing measure to waive');
  const exception = await c.must('POST', '/api/v1/exceptions', 'sam', {
    model: 'fraud-scorer',
    version: 1,
    measure: waived.measure,
    reason: 'The card scheme’s labelled outcomes arrive quarterly; the measure is met at the next delivery.',
    expiresAt: new Date(now + 60 * DAY).toISOString(),
  });
  // Nina is asked first, but her electronic-signature training expired: her signature is refused
  // before her password is even checked, and Ravi approves instead.
  const refused = await c.send('POST', `/api/v1/exceptions/${exception.id}/approve`, LAPSED_SIGNER, {
    password: DEMO_PASSWORD,
  });
  if (refused.status !== 403 || refused.body?.code !== 'training_required')
    throw new Error(`demo: Nina's signature should be refused for her training: ${JSON.stringify(refused.body)}`);
  await c.must('POST', `/api/v1/exceptions/${exception.id}/approve`, 'ravi', {
    comment: 'Accepted for one quarter; the fraud team reports the delivery date.',
    password: DEMO_PASSWORD,
  });
}
