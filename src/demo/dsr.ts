import type { DemoClient } from './client.ts';

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The data-protection officer's register: an erasure request for a customer's e-mail, traced through
 * the CRM export to the credit scorecard trained on data derived from it (tasks for lending), and
 * an access request received six weeks ago that is overdue.
 */
export async function seedDataSubjectRequests(c: DemoClient, now: number): Promise<void> {
  await c.must('POST', '/api/v1/data-subject-requests', 'dpo', {
    subjectRef: 'CRM-20417',
    type: 'erasure',
    category: 'email',
    receivedOn: day(now - 12 * DAY),
    notes: 'Received by e-mail to privacy@; identity verified against the customer record.',
  });
  await c.must('POST', '/api/v1/data-subject-requests', 'dpo', {
    subjectRef: 'CRM-18850',
    type: 'access',
    category: 'personal-data',
    receivedOn: day(now - 42 * DAY),
  });
}
