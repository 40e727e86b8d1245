import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, STEWARD_BIN } from '../helpers/cli.ts';

const work = mkdtempSync(join(tmpdir(), 'steward-tls-'));
const cert = join(work, 'tls.crt');
const key = join(work, 'tls.key');

/** GET over HTTPS trusting only `ca`. */
function getTls(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('steward serve over TLS', () => {
  beforeAll(() => {
    // A self-signed certificate for 127.0.0.1, as cert-manager would mount one.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=steward',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
  });

  it('serves HTTPS with the configured certificate and refuses plain HTTP', async () => {
    const env = {
      ...process.env,
      STEWARD_DATA_DIR: join(work, 'data'),
      PORT: '0',
      HOST: '127.0.0.1',
      STEWARD_TLS_CERT_FILE: cert,
      STEWARD_TLS_KEY_FILE: key,
    };
    const child = spawn(process.execPath, [STEWARD_BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
        child.stdout.on('data', (d) => {
          out += d;
          const m = /Steward listening on (https:\/\/[^"\s]+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
      });
      const health = await getTls(`${url}/healthz`, readFileSync(cert));
      expect(health).toEqual({ status: 200, body: JSON.stringify({ status: 'ok' }) });
      await expect(fetch(`${url.replace('https:', 'http:')}/healthz`)).rejects.toThrow();
    } finally {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses half a TLS configuration and unreadable files with one line', async () => {
    const half = await runCli(['serve'], {
      STEWARD_DATA_DIR: join(work, 'half'),
      PORT: '0',
      STEWARD_TLS_CERT_FILE: cert,
    });
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/STEWARD_TLS_CERT_FILE and STEWARD_TLS_KEY_FILE go together/);
    const missing = await runCli(['serve'], {
      STEWARD_DATA_DIR: join(work, 'missing'),
      PORT: '0',
      STEWARD_TLS_CERT_FILE: join(work, 'nope.crt'),
      STEWARD_TLS_KEY_FILE: key,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/cannot read the TLS certificate or key/);
  });
});
