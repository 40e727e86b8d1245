import { Type } from 'typebox';
import { Nullable, OpenObject } from './common.schema.ts';

// The one status of a version, model or use case: the next-actions routes (page banners) and the
// inventory overview (its rows) report the same value, so a page and the inventory cannot disagree.

const StatusState = Type.Union(
  [
    Type.Literal('suspended'),
    Type.Literal('refused'),
    Type.Literal('stale'),
    Type.Literal('live'),
    Type.Literal('in-development'),
  ],
  {
    description:
      'the most urgent first: `suspended` by human oversight; `refused` where deployed (the deployment check refuses it there now); `stale` approvals or evidence; `live` in an environment; else `in-development`',
  },
);

/** One status of a version, model or use case: what its page's banner and its inventory row show. */
export const SubjectStatus = OpenObject({
  state: StatusState,
  environment: Nullable(Type.String({ description: 'the environment refused or live in' })),
  label: Type.String({ description: 'one line: "Suspended", "Refused for production", "Live in production"...' }),
  reasons: Type.Array(Type.String()),
});
