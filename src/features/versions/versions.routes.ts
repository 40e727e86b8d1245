import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { byField, fromBody, fromInput, fromQuery, inBody } from '../../http/input.ts';
import { etagOf, revisionFromIfMatch } from '../../http/etag.ts';
import { PageOf, PageQuery } from '../../lib/pagination.ts';
import { IfMatchHeaders, Name, Timestamp } from '../common/common.schema.ts';
import { AliasParams, ModelNameParams, SetAliasBody } from '../models/models.schema.ts';
import type { VersionService } from './versions.service.ts';
import { CreateVersionBody, ModelVersion, PatchVersionBody, Stage, VersionParams } from './versions.schema.ts';

const tags = ['model versions'];
const aliasTags = ['aliases'];
const versionUrl = (name: string, version: number) => `/api/v1/models/${encodeURIComponent(name)}/versions/${version}`;

export function versionRoutes(app: App, { versions }: { versions: VersionService }): void {
  // Cached version records are shared and immutable until replaced, so their JSON can be too:
  // reads of hot versions then skip serialisation (the string came from this route's own schema).
  const serialized = new WeakMap<object, string>();

  app.post(
    '/models/:name/versions',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Register a new version (numbered 1, 2, 3... per model, never reused)',
        params: ModelNameParams,
        body: CreateVersionBody,
        response: { 201: ModelVersion },
      },
    },
    async (request, reply) => {
      const v = await fromBody(() => versions.create(contextOf(request), request.params.name, request.body));
      return reply
        .status(201)
        .header('location', versionUrl(v.model, v.version))
        .header('etag', etagOf('version', v.id, v.revision))
        .send(v);
    },
  );

  app.get(
    '/models/:name/versions',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: "List a model's versions (ascending)",
        params: ModelNameParams,
        querystring: Type.Object({ ...PageQuery, stage: Type.Optional(Stage) }, { additionalProperties: false }),
        response: { 200: PageOf(ModelVersion) },
      },
    },
    async (request) => fromQuery(() => versions.list(request.params.name, request.query)),
  );

  app.get(
    '/models/:name/versions/:version',
    {
      config: { permission: 'inventory:read' },
      schema: { tags, summary: 'Read a model version', params: VersionParams, response: { 200: ModelVersion } },
    },
    async (request, reply) => {
      const v = await versions.get(request.params.name, request.params.version);
      let json = serialized.get(v);
      if (json === undefined) serialized.set(v, (json = String(reply.serialize(v))));
      // A string payload goes out as is; the type provider only knows the object form.
      return reply
        .header('etag', etagOf('version', v.id, v.revision))
        .type('application/json; charset=utf-8')
        .send(json as unknown as typeof v);
    },
  );

  app.patch(
    '/models/:name/versions/:version',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: "Change a version's annotations (description, tags); its definition is immutable",
        params: VersionParams,
        headers: IfMatchHeaders,
        body: PatchVersionBody,
        response: { 200: ModelVersion },
      },
    },
    async (request, reply) => {
      const { name, version } = request.params;
      const current = await versions.get(name, version);
      const v = await fromBody(() =>
        versions.update(
          contextOf(request),
          name,
          version,
          request.body,
          revisionFromIfMatch(request.headers['if-match'], 'version', current.id),
        ),
      );
      return reply.header('etag', etagOf('version', v.id, v.revision)).send(v);
    },
  );

  app.put(
    '/models/:name/aliases/:alias',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: aliasTags,
        summary: 'Point an alias (e.g. champion) at a version',
        params: AliasParams,
        body: SetAliasBody,
        response: {
          200: Type.Object({
            model: Name,
            alias: Type.String(),
            version: Type.Integer(),
            previous: Type.Union([Type.Integer(), Type.Null()]),
            updatedAt: Timestamp,
          }),
        },
      },
    },
    async (request) => {
      const { name, alias } = request.params;
      // The alias comes from the path, the version from the body.
      const moved = await fromInput(byField({ alias: '/params/alias' }, inBody), () =>
        versions.setAlias(contextOf(request), name, alias, request.body.version),
      );
      return { model: name, ...moved };
    },
  );

  app.delete(
    '/models/:name/aliases/:alias',
    {
      config: { auth: 'authenticated' },
      schema: { tags: aliasTags, summary: 'Remove an alias', params: AliasParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await versions.deleteAlias(contextOf(request), request.params.name, request.params.alias);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/models/:name/aliases/:alias',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: aliasTags,
        summary: 'Resolve an alias to its version (`latest` = highest version)',
        params: AliasParams,
        response: { 200: ModelVersion },
      },
    },
    async (request, reply) => {
      const v = await versions.resolveAlias(request.params.name, request.params.alias);
      return reply.header('etag', etagOf('version', v.id, v.revision)).send(v);
    },
  );
}
