import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ProblemSchema } from '../features/common/common.schema.ts';

const problemResponse = {
  description: 'RFC 9457 problem details',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

function optionalDefaults(schema: unknown): unknown {
  const o = schema as { required?: string[]; properties?: Record<string, { default?: unknown }> };
  if (!Array.isArray(o.required) || !o.properties) return schema;
  return { ...o, required: o.required.filter((k) => o.properties![k]?.default === undefined) };
}

/** OpenAPI 3.1 generated from the route schemas at /openapi.json, and a local (no CDN) browser at /docs. */
export async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Steward API',
        version,
        description:
          'ML model governance: inventory, risk, policy, gates, evidence, monitoring and a verifiable audit trail. Errors are RFC 9457 problem details with a stable `code`.',
      },
      servers: [],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API token `stw_...`' },
          basic: {
            type: 'http',
            scheme: 'basic',
            description: 'username and password, or username and own API token (MLflow clients)',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'steward_session',
            description: 'console session; unsafe requests also need the X-CSRF-Token header',
          },
        },
      },
      security: [{ bearer: [] }, { basic: [] }, { session: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    transform: ({ schema, url, route }) => {
      const s = { ...(schema ?? {}) } as Record<string, unknown>;
      // TypeBox lists defaulted properties as required; a client may omit them (validation fills them in).
      for (const part of ['querystring', 'body'] as const) if (s[part]) s[part] = optionalDefaults(s[part]);
      // Public operations say so; every other one inherits the document-wide security requirement.
      if ((route.config as { auth?: string } | undefined)?.auth === 'public' || !route.url.startsWith('/api/v1'))
        s.security = [];
      // Every operation can fail with a problem document; say so once here rather than in each route.
      s.response = { ...((s.response as object) ?? {}), '4XX': problemResponse, '5XX': problemResponse };
      return { schema: s as never, url: route.url ?? url };
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    staticCSP: true,
  });
}
