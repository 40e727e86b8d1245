import { api, ok } from '../../api/client.ts';
import type { VersionStatus } from '../../api/version-types.ts';
import { Async, Badge, Section } from '../../ui/basics.tsx';
import { useLoad } from '../../ui/hooks.ts';

/** What the deployment check (`GET /check`, used by CI/CD and admission control) answers now, per live environment. */
export function DeploymentChecks({ s }: { s: VersionStatus }) {
  const envs = [...new Set(s.deployments.filter((d) => d.active).map((d) => d.environment))] as (
    'development' | 'qa' | 'preproduction' | 'production'
  )[];
  const checks = useLoad(
    async () =>
      Promise.all(
        envs.map(async (environment) => ({
          environment,
          ...ok(
            await api.GET('/api/v1/check', { params: { query: { model: s.model, version: s.version, environment } } }),
          ),
        })),
      ),
    [s],
  );
  if (envs.length === 0) return null;
  return (
    <Section title="Deployment check">
      <Async state={checks}>
        {(items) => (
          <ul className="compact">
            {items.map((c) => (
              <li key={c.environment}>
                {c.environment}:{' '}
                {c.allowed ? <Badge value="allowed" tone="good" /> : <Badge value="refused" tone="bad" />}
                {c.reasons.length > 0 && (
                  <ul className="blockers">
                    {c.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        )}
      </Async>
    </Section>
  );
}
