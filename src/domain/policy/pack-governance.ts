import { Type, type Static } from 'typebox';

/**
 * The pack's sections for model-risk practice: who raises findings, which severities there are and
 * from which severity an open finding blocks promotion to which environments; who approves
 * exceptions (waivers of one measure) and for how long at most. Both sections are optional: a pack
 * without them gets the defaults below.
 */
const Role = Type.Enum([
  'business-stakeholder',
  'business-analyst',
  'data-scientist',
  'risk-audit',
  'data-ops',
  'production',
  'admin',
]);
const Environment = Type.Enum(['development', 'qa', 'preproduction', 'production']);
const Severity = Type.String({ minLength: 1, maxLength: 40, pattern: '^[a-z][a-z0-9-]*$' });

export const FindingsSection = Type.Object(
  {
    raisedBy: Type.Array(Role, {
      minItems: 1,
      uniqueItems: true,
      description: 'validators: the roles that raise, update and close findings',
    }),
    severities: Type.Array(Severity, {
      minItems: 1,
      maxItems: 10,
      uniqueItems: true,
      description: 'severities, least severe first',
    }),
    blockAt: Type.Optional(
      Type.Union([Severity, Type.Null()], {
        description: 'an open finding of this severity or above blocks the gates below (null: none blocks)',
      }),
    ),
    gates: Type.Optional(
      Type.Array(Environment, {
        uniqueItems: true,
        description: 'promotion to these environments is refused while a blocking finding is open',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ExceptionsSection = Type.Object(
  {
    approvedBy: Type.Array(Role, {
      minItems: 1,
      uniqueItems: true,
      description: 'roles that approve an exception (never the person who requested it)',
    }),
    maxDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      description: 'an exception expires at most this many days after it is requested',
    }),
  },
  { additionalProperties: false },
);

/** The pack members these sections add (spread into the pack schema's properties). */
export const GovernanceSections = {
  findings: Type.Optional(FindingsSection),
  exceptions: Type.Optional(ExceptionsSection),
};

export type FindingsRules = Required<Static<typeof FindingsSection>>;
export type ExceptionRules = Static<typeof ExceptionsSection>;

export const DEFAULT_FINDINGS: FindingsRules = {
  raisedBy: ['risk-audit'],
  severities: ['low', 'medium', 'high', 'critical'],
  blockAt: 'high',
  gates: ['production'],
};
export const DEFAULT_EXCEPTIONS: ExceptionRules = { approvedBy: ['risk-audit'], maxDays: 90 };

/** The pack's findings rules, the defaults filling what it leaves out. */
export function findingsRules(pack: { findings?: Static<typeof FindingsSection> } | null): FindingsRules {
  const f = pack?.findings;
  if (!f) return DEFAULT_FINDINGS;
  return { raisedBy: f.raisedBy, severities: f.severities, blockAt: f.blockAt ?? null, gates: f.gates ?? [] };
}

/** The pack's exception rules, or the defaults. */
export const exceptionRules = (pack: { exceptions?: ExceptionRules } | null): ExceptionRules =>
  pack?.exceptions ?? DEFAULT_EXCEPTIONS;

/**
 * Whether an open finding of `severity` blocks promotion to `environment` under `rules`: its
 * severity ranks at or above `blockAt` in the pack's order, and the environment is one it names.
 */
export function blocks(rules: FindingsRules, severity: string, environment: string): boolean {
  if (rules.blockAt === null || !rules.gates.includes(environment as never)) return false;
  const at = rules.severities.indexOf(rules.blockAt);
  const rank = rules.severities.indexOf(severity);
  return at >= 0 && rank >= at;
}

/** Problems with the sections beyond their shape: `blockAt` must be one of the severities. */
export function governanceProblems(pack: {
  findings?: Static<typeof FindingsSection>;
}): { pointer: string; message: string }[] {
  const f = pack.findings;
  if (f?.blockAt && !f.severities.includes(f.blockAt))
    return [
      {
        pointer: '/findings/blockAt',
        message: `'${f.blockAt}' is not one of the findings severities: ${f.severities.join(', ')}`,
      },
    ];
  return [];
}
