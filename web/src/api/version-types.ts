import type { paths } from './schema.gen.ts';

type Json<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: { content: { 'application/json': infer B } } }
    ? B
    : R extends { 201: { content: { 'application/json': infer B } } }
      ? B
      : never
  : never;

export type VersionStatus = Json<'/api/v1/models/{name}/versions/{version}/lifecycle', 'get'>;
export type Evidence = Json<'/api/v1/models/{name}/versions/{version}/evidence', 'get'>['items'][number];
export type Windows = Json<'/api/v1/models/{name}/versions/{version}/monitoring', 'get'>;
export type Signature = VersionStatus['signatures'][number];
export type VersionNextActions = Json<'/api/v1/models/{name}/versions/{version}/next-actions', 'get'>;
export type UseCaseNextActions = Json<'/api/v1/use-cases/{id}/next-actions', 'get'>;
export type MyWork = Json<'/api/v1/me/work', 'get'>;
