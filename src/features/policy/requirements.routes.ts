import { Type } from 'typebox';
import type { App } from '../../http/app-types.ts';
import type { Inventory } from '../inventory.ts';
import { VersionParams } from '../versions/versions.schema.ts';
import type { AssessmentService } from './assessments.service.ts';

export function versionRequirementsRoute(app: App, { assessments, inventory }: { assessments: AssessmentService; inventory: Inventory }): void {
  app.get('/models/:name/versions/:version/requirements', {
    config: { permission: 'inventory:read' },
    schema: {
      tags: ['risk assessment'],
      summary: 'Every measure that applies to a model version (from its use case\'s assessment), where it comes from, and its status for this exact artefact',
      params: VersionParams,
      response: { 200: Type.Unknown() },
    },
  }, async (request) => {
    const { name, version } = request.params;
    const [model, v] = await Promise.all([inventory.models.get(name), inventory.versions.get(name, version)]);
    return assessments.requirements(model.useCaseId, { id: v.id, artifactDigest: v.artifactDigest, createdBy: v.createdBy });
  });
}
