// Tasks for the worker-pool tests: each runs on a pool thread, imported there by URL.
import { threadId } from 'node:worker_threads';
import { DomainError } from '../../src/errors.ts';

/** The id of the thread the task ran on (0 is the main thread). */
export const whereAmI = (): number => threadId;

/** The sum of the values, and how many bytes arrived. */
export const sum = (values: Float64Array): { sum: number; bytes: number } => ({
  sum: values.reduce((a, b) => a + b, 0),
  bytes: values.byteLength,
});

/** Refuses like a service would, with a field pointer and extras. */
export const refuse = (): never => {
  throw new DomainError('validation_failed', 'row 3 is not a number', {
    errors: [{ pointer: '/data/3/x', message: 'not a number' }],
    extra: { row: 3 },
  });
};

/** A thread that dies under its task. */
export const die = (): never => process.exit(7);

/** Holds its thread for `ms` (to observe queueing), then says which thread it was. */
export const hold = async (ms: number): Promise<number> => {
  await new Promise((r) => setTimeout(r, ms));
  return threadId;
};
