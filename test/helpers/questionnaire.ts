import type { Page } from 'playwright-core';
import type { Answers } from '../../src/domain/policy/evaluate.ts';

/** A question of the active pack's questionnaire, as far as the console's form shows it. */
export interface Question {
  id: string;
  type: string;
  options?: { value: string; label: string }[];
}

/** The fieldset of one question on the use case's questionnaire (its inputs carry the question's id). */
export const questionGroup = (page: Page, id: string) =>
  page
    .getByRole('group')
    .filter({ has: page.locator(`input[name="${id}"], input[data-question="${id}"]`) })
    .last();

/** Answers the questionnaire in the browser as a person would, by the options' labels; `skip` lists questions left as they are. */
export async function answerQuestionnaire(
  page: Page,
  questions: Question[],
  answers: Answers,
  skip: string[] = [],
): Promise<void> {
  for (const q of questions) {
    const answer = answers[q.id];
    if (answer === undefined || skip.includes(q.id)) continue;
    const group = questionGroup(page, q.id);
    const label = (value: string) => q.options!.find((o) => o.value === value)!.label;
    if (q.type === 'boolean') await group.getByLabel(answer ? 'yes' : 'no', { exact: true }).check();
    else if (q.type === 'choice') await group.getByLabel(label(answer as string), { exact: true }).check();
    else for (const v of answer as string[]) await group.getByLabel(label(v), { exact: true }).check();
  }
}
