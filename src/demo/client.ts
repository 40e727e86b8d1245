import type { App } from '../http/app-types.ts';

export interface Answer {
  status: number;
  // JSON of many shapes: the demo script reads the fields it needs, and a wrong guess fails loudly.
  body: any;
}

/**
 * The demo drives the public API in-process, as each demo user, so everything it creates goes
 * through the same validation, governance and audit trail as real work.
 */
export function demoClient(app: App) {
  const tokens = new Map<string, string>();
  async function send(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    as: string,
    payload?: unknown,
    contentType = 'application/json',
  ): Promise<Answer> {
    const token = tokens.get(as);
    if (!token) throw new Error(`demo: no token for ${as}`);
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': contentType }) },
      ...(payload === undefined
        ? {}
        : { payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload) }),
    });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as unknown) : null };
  }
  /** Like `send`, but a non-2xx answer is an error naming what failed. */
  async function must(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    as: string,
    payload?: unknown,
    contentType?: string,
  ): Promise<any> {
    const res = await send(method, url, as, payload, contentType);
    if (res.status >= 300)
      throw new Error(`demo: ${method} ${url} as ${as} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }
  return { tokens, send, must };
}

export type DemoClient = ReturnType<typeof demoClient>;

/** A multipart/form-data body of file parts (an ONNX model, then its data), as uploads send them. */
export function multipartBody(parts: { name: string; filename: string; type?: string; content: Buffer | string }[]): {
  payload: Buffer;
  type: string;
} {
  const boundary = '----steward-demo-boundary';
  const chunks = parts.flatMap((p) => [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`,
    ),
    Buffer.isBuffer(p.content) ? p.content : Buffer.from(p.content),
    Buffer.from('\r\n'),
  ]);
  return {
    payload: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}
