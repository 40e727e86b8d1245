import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeReason } from '../../src/http/reason.ts';
import { call, expectProblem, seedUseCase, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

describe('the Steward-Reason rule', () => {
  it('percent-decodes UTF-8, with or without the RFC 8187 prefix, and leaves other characters as they are', () => {
    expect(decodeReason("UTF-8''h%C3%A9llo")).toBe('héllo');
    expect(decodeReason("utf-8'fr'd%C3%A9cision%20prise")).toBe('décision prise');
    expect(decodeReason('h%c3%a9llo w%C3%B6rld')).toBe('héllo wörld');
    expect(decodeReason('50% done, 100%')).toBe('50% done, 100%');
    expect(decodeReason('launch %F0%9F%9A%80')).toBe('launch 🚀');
    expect(decodeReason('   ')).toBeNull();
    expect(decodeReason(undefined)).toBeNull();
    expect(Array.from(decodeReason('%F0%9F%9A%80'.repeat(2001))!)).toHaveLength(2000);
  });

  it('refuses raw non-ASCII, control characters, other charsets and invalid UTF-8', () => {
    for (const [value, why] of [
      ['héllo', /must be ASCII.*percent-encoded UTF-8.*UTF-8''h%C3%A9llo/],
      ['hÃ©llo', /must be ASCII/],
      ['a%00b', /control characters/],
      ['line%0Abreak', /control characters/],
      ['h%C3llo', /not UTF-8/],
      ["ISO-8859-1''h%E9llo", /charset 'ISO-8859-1' is not read/],
    ] as const)
      expect(() => decodeReason(value), value).toThrow(why);
  });
});

describe.each(DB_KINDS)('Steward-Reason in the audit trail on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);
    let useCaseId = '';
    beforeAll(async () => {
      useCaseId = await seedUseCase(t.app, 'reasons');
    });
    const reasonOf = async (modelId: string) =>
      (
        (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?limit=1000' })).body.items as {
          action: string;
          subject: { id: string };
          reason: string | null;
        }[]
      ).find((e) => e.action === 'model.create' && e.subject.id === modelId)?.reason;
    const create = (name: string, reason: string) =>
      call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        body: { name, useCaseId },
        headers: { 'steward-reason': reason },
      });

    it('records percent-encoded UTF-8 reasons as the text they encode', async () => {
      for (const [name, header, stored] of [
        ['rfc8187', "UTF-8''h%C3%A9llo", 'héllo'],
        ['plain', 'Freigabe f%C3%BCr %E2%82%AC-Kunden', 'Freigabe für €-Kunden'],
        ['ascii', 'first candidate', 'first candidate'],
      ]) {
        const res = await create(name!, header!);
        expect(res.status, res.text).toBe(201);
        expect(await reasonOf(res.body.id)).toBe(stored);
      }
    });

    it('refuses a raw non-ASCII reason with 400 saying how to encode it, and writes nothing', async () => {
      const res = await create('raw', 'héllo');
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.detail).toMatch(/percent-encoded UTF-8/);
      expect(res.body.errors[0].pointer).toBe('/headers/steward-reason');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models/raw' }), 404, 'not_found');
    });

    it('refuses UTF-8 bytes sent raw by a real client instead of storing them mis-decoded', async () => {
      const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (t.app.server.address() as AddressInfo).port;
      expect(address).toContain(String(port));
      const body = JSON.stringify({ name: 'raw-socket', useCaseId });
      const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/v1/models',
            headers: {
              authorization: `Bearer ${t.adminToken}`,
              'content-type': 'application/json',
              // The bytes a client writes for "héllo" in UTF-8 (C3 A9), as Node sends header strings.
              'steward-reason': Buffer.from('héllo', 'utf8').toString('latin1'),
            },
          },
          (r) => {
            let text = '';
            r.on('data', (c) => (text += c));
            r.on('end', () => resolve({ status: r.statusCode!, text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(res.status, res.text).toBe(400);
      expect(JSON.parse(res.text).detail).toMatch(/must be ASCII/);
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models/raw-socket' }), 404, 'not_found');
    });
  });
});
