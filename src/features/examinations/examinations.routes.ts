import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import type { ExaminationService } from './examinations.service.ts';

export const CreateExaminationBody = Type.Object(
  {
    asOf: Type.String({ format: 'date-time', description: 'the moment whose state the pack shows' }),
    scope: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 300,
        pattern: '^(organisation|team:.+|use-case:.+)$',
        description: '`organisation` (default), `team:<name>` or `use-case:<id or name>`',
      }),
    ),
  },
  { additionalProperties: false },
);

export function examinationRoutes(app: App, { examinations }: { examinations: ExaminationService }): void {
  app.post(
    '/examinations',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: ['examinations'],
        summary: 'Build a signed examination pack (ZIP) of the state as of a date, verifiable offline',
        description:
          'The state is derived from the audit trail up to the signed checkpoint covering `asOf`: policy pack, inventory and tiers, evidence hashes and documents, signatures (valid or stale as of then), lifecycle and monitoring events, with the events cited and their inclusion proofs. Verify with `steward examination verify`.',
        body: CreateExaminationBody,
      },
    },
    async (request, reply) => {
      const pack = await examinations.create(contextOf(request), request.body);
      return reply
        .status(201)
        .header('content-disposition', `attachment; filename="${pack.filename}"`)
        .header('x-steward-manifest-digest', pack.manifestDigest)
        .header('x-steward-tree-size', String(pack.treeSize))
        .header('cache-control', 'no-store')
        .header('content-length', String(pack.bytes))
        .type('application/zip')
        .send(pack.body);
    },
  );
}
