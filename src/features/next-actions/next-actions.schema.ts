import { Type, type TSchema } from 'typebox';
import { Nullable, OpenObject } from '../common/common.schema.ts';
import { SubjectStatus } from '../common/status.schema.ts';

// Response schemas of the next-actions routes (objects keep properties they do not list).
const Open = <P extends Record<string, TSchema>>(props: P, description?: string) =>
  OpenObject(props, description ? { description } : {});

const ActionKind = Type.Union(
  [
    Type.Literal('add-document'),
    Type.Literal('upload-evaluation'),
    Type.Literal('sign'),
    Type.Literal('configure-monitoring'),
    Type.Literal('record-alignment'),
    Type.Literal('review-datasets'),
    Type.Literal('move-step'),
    Type.Literal('request-promotion'),
  ],
  { description: 'what to do; `params` pre-fill its form' },
);

const Person = Open({ id: Type.String(), username: Type.String(), displayName: Type.String() });

export const NextAction = Open({
  kind: ActionKind,
  label: Type.String(),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
    description: 'documentKind (from the policy pack), metric, role and meaning, step, environment',
  }),
  roles: Type.Array(Type.String(), { description: 'roles that can do it' }),
});

export const StepProgress = Open({
  id: Type.String(),
  title: Type.String(),
  state: Type.Union([Type.Literal('done'), Type.Literal('current'), Type.Literal('upcoming')]),
  met: Type.Integer({ description: "requirements of the step's gate met (satisfied or waived)" }),
  total: Type.Integer(),
});

export const MissingItem = Open({
  measure: Type.String(),
  title: Type.String(),
  step: Type.String({ description: 'the process step whose gate the measure belongs to' }),
  status: Type.String(),
  detail: Type.Array(Type.String()),
  roles: Type.Array(Type.String(), { description: 'roles owning it' }),
  people: Type.Array(Open({ ...Person.properties, role: Type.String() }), {
    description: "people holding those roles in the owner's team or organisation-wide",
  }),
  actions: Type.Array(NextAction),
});

const DocumentKinds = Type.Array(Type.String(), {
  description: "the document kinds the policy pack's measures name (an added document takes one of them)",
});

const Environment = Open({
  id: Type.String(),
  requires: Nullable(Type.String({ description: 'the last step whose gate a promotion there needs' })),
  explanation: Type.String(),
  deployed: Type.Boolean(),
});

export const VersionNextActions = Open({
  model: Type.String(),
  version: Type.Integer(),
  useCase: Open({ id: Type.String(), name: Type.String() }),
  governed: Type.Boolean(),
  status: SubjectStatus,
  step: Nullable(Type.String({ description: 'where the version stands in its governance process' })),
  progress: Open({ met: Type.Integer(), total: Type.Integer() }),
  steps: Type.Array(StepProgress),
  missing: Type.Array(MissingItem),
  next: Type.Array(NextAction, { description: 'moving on: the next step once its gate passes, a promotion' }),
  environments: Type.Array(Environment, { description: 'where the version may run, and what each needs' }),
  documentKinds: DocumentKinds,
});

export const UseCaseNextActions = Open({
  useCase: Open({ id: Type.String(), name: Type.String(), team: Type.String() }),
  governed: Type.Boolean(),
  status: SubjectStatus,
  step: Nullable(Type.String()),
  progress: Open({ met: Type.Integer(), total: Type.Integer() }),
  steps: Type.Array(StepProgress),
  missing: Type.Array(MissingItem),
  next: Type.Array(NextAction),
  documentKinds: DocumentKinds,
  versions: Type.Array(
    Open({
      model: Type.String(),
      version: Type.Integer(),
      step: Nullable(Type.String()),
      status: SubjectStatus,
      met: Type.Integer(),
      total: Type.Integer(),
    }),
    { description: "each model's latest version and those deployed or suspended" },
  ),
});

const Task = Open({
  id: Type.String(),
  title: Type.String(),
  kind: Type.String(),
  role: Type.String(),
  step: Type.String(),
  due: Type.String(),
  overdue: Type.Boolean(),
  model: Nullable(Type.String()),
  version: Nullable(Type.Integer()),
  useCase: Nullable(Type.String()),
  useCaseId: Nullable(Type.String()),
});

export const MyWork = Open({
  user: Person,
  useCases: Type.Array(Open({ id: Type.String(), name: Type.String(), team: Type.String(), status: SubjectStatus }), {
    description: 'use cases the caller created or whose owning team they work in',
  }),
  versions: Type.Array(
    Open({
      model: Type.String(),
      version: Type.Integer(),
      useCase: Open({ id: Type.String(), name: Type.String() }),
      step: Nullable(Type.String()),
      status: SubjectStatus,
      met: Type.Integer(),
      total: Type.Integer(),
    }),
    { description: 'model versions the caller registered (or of models they created)' },
  ),
  tasks: Type.Array(Task, { description: 'open tasks the caller can complete (not those refused to them)' }),
});
