// Where webhook deliveries may go: never to internal addresses unless allowed, and always to the
// address that was checked (the name is resolved once and the connection pinned to it, so a DNS
// answer that changes between the check and the connection cannot redirect it).

import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  allowed,
  internalRange,
  isLocalhostName,
  parseAddress,
  parseAllowList,
  type AllowList,
} from '../../domain/internal-addresses.ts';

const ALLOW_VARIABLE = 'STEWARD_WEBHOOK_ALLOW_HOSTS';

export interface Egress {
  /** Why a webhook URL may not be subscribed (not a URL, or its literal host is internal), or undefined. */
  refusal(url: string): string | undefined;
  /** POSTs to `url` over a connection pinned to a checked address; resolves to the status code. */
  post(
    url: string,
    body: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<{ status: number; headers: IncomingHttpHeaders }>;
}

/** A refused delivery target; the dispatcher records its message as the attempt's error. */
export class EgressRefused extends Error {}

const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** The webhook egress rules for an allow list (entries as STEWARD_WEBHOOK_ALLOW_HOSTS gives them). */
export function createEgress(allowHosts: string[]): Egress {
  const allow: AllowList = parseAllowList(allowHosts);
  const literalRefusal = (host: string): string | undefined => {
    if (allowed(allow, host)) return undefined;
    if (isLocalhostName(host)) return `'${host}' is this host (loopback)`;
    const a = parseAddress(host);
    const range = a && internalRange(a);
    return range ? `${host} is a ${range} address` : undefined;
  };

  /** The address to connect to: the first the name resolves to that may be reached. */
  async function pin(url: URL): Promise<{ address: string; family: 4 | 6 }> {
    const host = hostOf(url);
    const literal = literalRefusal(host);
    if (literal) throw new EgressRefused(`refused: ${literal}; ${ALLOW_VARIABLE} may allow it`);
    const direct = parseAddress(host);
    if (direct) return { address: host, family: direct.family };
    const found = await lookup(host, { all: true, verbatim: true });
    const ok = found.find((f) => allowed(allow, host, f.address) || internalRange(f.address) === undefined);
    if (!ok)
      throw new EgressRefused(
        `refused: ${host} resolves only to internal addresses (${[...new Set(found.map((f) => internalRange(f.address)))].join(', ')}); ${ALLOW_VARIABLE} may allow them`,
      );
    return { address: ok.address, family: ok.family === 6 ? 6 : 4 };
  }

  return {
    refusal(text: string) {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        return `'${text}' is not a URL`;
      }
      const why = literalRefusal(hostOf(url));
      return why && `webhooks may not target internal addresses: ${why}; ${ALLOW_VARIABLE} may allow it`;
    },

    async post(text, body, headers, timeoutMs) {
      const url = new URL(text);
      const target = await pin(url);
      // Every connection of this request goes to the checked address, whatever DNS says now.
      const pinned: LookupFunction = (_host, options, callback) => {
        if ((options as { all?: boolean }).all)
          (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
        else callback(null, target.address, target.family);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise((resolve, reject) => {
        const req = send(
          url,
          {
            method: 'POST',
            headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
            lookup: pinned,
            signal: AbortSignal.timeout(timeoutMs),
          },
          (res) => {
            // The answer's status is all that is kept; its body is discarded.
            res.resume();
            resolve({ status: res.statusCode ?? 0, headers: res.headers });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
  };
}
