import { Type } from 'typebox';
import type { Executor } from '../../db/database.ts';
import type { App } from '../../http/app-types.ts';
import { peopleRepo } from './people.repo.ts';

/**
 * `GET /people`: display names for user ids. Records keep who acted as an id (an assessment's
 * author, an evaluation's uploader); every signed-in reader may see colleagues' names, as they
 * already do on signatures, but not the user administration's details.
 */
export function peopleRoutes(app: App, deps: { db: Executor }): void {
  app.get(
    '/people',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: ['identity'],
        summary: 'Display names of people by their ids (unknown ids are left out)',
        querystring: Type.Object(
          {
            id: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
              minItems: 1,
              maxItems: 200,
              description: 'user ids, repeated: ?id=a&id=b',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ id: Type.String(), displayName: Type.String(), username: Type.String() })),
          }),
        },
      },
    },
    async (request) => ({ items: await peopleRepo.names(deps.db, [...new Set(request.query.id)]) }),
  );
}
