import { Type } from 'typebox';
import type { Executor } from '../../db/database.ts';
import type { App } from '../../http/app-types.ts';
import { fromQuery } from '../../http/input.ts';
import { DomainError } from '../../errors.ts';
import { Timestamp } from '../common/common.schema.ts';
import type { AuditLog } from './audit.service.ts';
import { verifyDatabase } from './audit-export.ts';

const tags = ['audit'];
const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

const Checkpoint = Type.Object({
  treeSize: Type.Integer(),
  rootHash: Type.String({ description: 'hex' }),
  note: Type.String({ description: 'C2SP signed note (tlog-checkpoint body + Ed25519 signature line)' }),
  createdAt: Timestamp,
});

export function auditRoutes(app: App, { audit, db }: { audit: AuditLog; db: Executor }): void {
  app.get(
    '/audit/checkpoint',
    {
      config: { permission: 'audit:read' },
      schema: { tags, summary: 'The latest signed checkpoint', response: { 200: Checkpoint } },
    },
    async () => {
      const cp = await audit.latestCheckpoint(db);
      if (!cp) throw new DomainError('not_found', 'no checkpoint has been issued yet (the log is empty)');
      return cp;
    },
  );

  app.post(
    '/audit/verification',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags,
        summary:
          'Verify the whole audit trail now: re-derive every leaf from its event, recompute the tree, and check every signed checkpoint against it with the server key',
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            events: Type.Integer(),
            checkpoints: Type.Integer(),
            verifiedSize: Type.Integer({ description: 'size of the largest checkpoint whose root was reproduced' }),
            rootHash: Type.String(),
            problems: Type.Array(Type.Object({}, { additionalProperties: true })),
            checkedAt: Timestamp,
          }),
        },
      },
    },
    async () => {
      const report = await verifyDatabase(db, {
        origin: audit.signer.origin,
        keyName: audit.signer.keyName,
        publicKey: audit.signer.publicKey,
      });
      return { ...report, checkedAt: new Date().toISOString() };
    },
  );

  app.get(
    '/audit/public-key',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'The Ed25519 key that signs checkpoints',
        response: {
          200: Type.Object({
            origin: Type.String(),
            keyName: Type.String(),
            algorithm: Type.Literal('ed25519'),
            publicKey: Type.String({ description: 'raw 32 bytes, base64' }),
            verifierKey: Type.String({ description: 'signed-note verifier key: name+keyid+base64(0x01||key)' }),
            pem: Type.String(),
          }),
        },
      },
    },
    async () => ({
      origin: audit.signer.origin,
      keyName: audit.signer.keyName,
      algorithm: 'ed25519' as const,
      publicKey: audit.signer.publicKey.toString('base64'),
      verifierKey: audit.signer.verifierKey,
      pem: audit.signer.publicKeyPem,
    }),
  );

  app.get(
    '/audit/proofs/inclusion',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags,
        summary: 'RFC 9162 inclusion proof of event `seq` in the tree of size `treeSize`',
        querystring: Type.Object({ seq: Seq, treeSize: Seq }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            seq: Type.Integer(),
            leafIndex: Type.Integer(),
            treeSize: Type.Integer(),
            leafHash: Type.String(),
            rootHash: Type.String(),
            proof: Type.Array(Type.String({ description: 'hex' })),
          }),
        },
      },
    },
    async (request) => {
      const { seq, treeSize } = request.query;
      const p = await fromQuery(() => audit.inclusion(db, seq, treeSize));
      return {
        seq,
        leafIndex: seq - 1,
        treeSize,
        leafHash: p.leafHash.toString('hex'),
        rootHash: p.rootHash.toString('hex'),
        proof: p.proof.map((h) => h.toString('hex')),
      };
    },
  );

  app.get(
    '/audit/proofs/consistency',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags,
        summary: 'RFC 9162 consistency proof between tree sizes `from` and `to`',
        querystring: Type.Object({ from: Seq, to: Seq }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            from: Type.Integer(),
            to: Type.Integer(),
            fromRoot: Type.String(),
            toRoot: Type.String(),
            proof: Type.Array(Type.String()),
          }),
        },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      const p = await fromQuery(() => audit.consistency(db, from, to));
      return {
        from,
        to,
        fromRoot: p.fromRoot.toString('hex'),
        toRoot: p.toRoot.toString('hex'),
        proof: p.proof.map((h) => h.toString('hex')),
      };
    },
  );
}
