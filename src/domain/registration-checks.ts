/** What registration checks read of a new version. */
export interface RegisteredVersion {
  model: string;
  version: number;
  artifactUri: string;
  artifactDigest: string | null;
  code: { repository: string; commit: string } | null;
  datasets: { role: string }[];
}

export interface RegistrationCheck {
  check: string;
  passed: boolean;
  /** Failures count toward `registration-checks-failed`; warnings are reported only. */
  severity: 'failure' | 'warning';
  detail: string;
}

/**
 * The automated checks run when a version of a governed model is registered (naming, versioning
 * and record completeness). Their failure count is the `registration-checks-failed` metric the
 * policy's registration-check measure reads.
 */
export function registrationChecks(v: RegisteredVersion): RegistrationCheck[] {
  let scheme: string | null = null;
  try {
    scheme = new URL(v.artifactUri).protocol;
  } catch {
    scheme = null;
  }
  return [
    {
      check: 'artifact-digest',
      passed: v.artifactDigest !== null,
      severity: 'failure',
      detail: v.artifactDigest
        ? 'the artefact is identified by its SHA-256 digest'
        : 'no artefact digest: evidence and signatures cannot be bound to the artefact',
    },
    {
      check: 'artifact-uri',
      passed: scheme !== null,
      severity: 'failure',
      detail: scheme ? `absolute ${scheme.slice(0, -1)} URI` : `'${v.artifactUri}' is not an absolute URI`,
    },
    {
      check: 'model-name',
      passed: /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v.model),
      severity: 'failure',
      detail: 'letters, digits, dot, dash and underscore, starting with a letter or digit',
    },
    {
      check: 'code-reference',
      passed: v.code !== null,
      severity: 'warning',
      detail: v.code ? `${v.code.repository} at ${v.code.commit}` : 'no code repository and commit recorded',
    },
    {
      check: 'training-data',
      passed: v.datasets.some((d) => d.role === 'training'),
      severity: 'warning',
      detail: v.datasets.some((d) => d.role === 'training')
        ? 'training dataset version recorded'
        : 'no training dataset version recorded',
    },
  ];
}
