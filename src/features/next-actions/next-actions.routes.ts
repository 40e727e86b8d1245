import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { Uuid, VersionParams } from '../common/common.schema.ts';
import type { NextActionsService } from './next-actions.service.ts';
import { MyWork, UseCaseNextActions, VersionNextActions } from './next-actions.schema.ts';

const tags = ['lifecycle'];

export function nextActionsRoutes(app: App, service: NextActionsService): void {
  app.get(
    '/models/:name/versions/:version/next-actions',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary:
          'What is next for the version: its one status, progress per step, each missing requirement with its owners and a one-click action, and what each environment needs',
        params: VersionParams,
        response: { 200: VersionNextActions },
      },
    },
    async (request) => service.version(request.params.name, request.params.version),
  );

  app.get(
    '/use-cases/:id/next-actions',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary:
          "What is next for the use case: its one status (the most urgent of its versions'), progress of its own steps, missing requirements with owners and actions, and its versions' progress",
        params: Type.Object({ id: Uuid }),
        response: { 200: UseCaseNextActions },
      },
    },
    async (request) => service.useCase(request.params.id),
  );

  app.get(
    '/me/work',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary:
          "The caller's own work: use cases they created or whose team they work in, versions they registered, and open tasks they can complete",
        response: { 200: MyWork },
      },
    },
    async (request) => service.myWork(contextOf(request)),
  );
}
