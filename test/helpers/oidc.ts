import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

/** A person known to the test identity provider, with the claims it asserts about them. */
export interface IdpAccount {
  name?: string;
  preferred_username?: string;
  email?: string;
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Record<string, IdpAccount>;
  close(): Promise<void>;
}

export const IDP_CLIENT = { id: 'steward', secret: 'steward-client-secret-0123456789' };

/**
 * A real OpenID provider (the certified oidc-provider package) on a free loopback port, with its
 * development login form (any password) and consent granted up front for the one client, as an
 * organisation's provider does for its own applications.
 */
export async function startProvider(
  redirectUris: string[],
  accounts: Record<string, IdpAccount>,
  postLogoutRedirectUris: string[] = [],
): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: IDP_CLIENT.id,
        client_secret: IDP_CLIENT.secret,
        redirect_uris: redirectUris,
        post_logout_redirect_uris: postLogoutRedirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    cookies: { keys: ['test-provider-cookie-key'] },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'groups'], email: ['email'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    async findAccount(_ctx: KoaContextWithOIDC, id: string) {
      const account = accounts[id] ?? { preferred_username: id };
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId: IDP_CLIENT.id,
    clientSecret: IDP_CLIENT.secret,
    accounts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A browser at the identity provider (its cookies kept between logins): follows the authorization
 * URL through the provider's login form as `login`, and returns the redirect back to the client
 * (the callback URL with code and state) without following it.
 */
export function idpBrowser() {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  function keep(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  }
  async function go(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: cookieHeader() },
    });
    keep(res);
    return res;
  }
  return {
    /** Signs in at the provider as `login` (when it asks) and returns the URL it redirects back to. */
    async authorize(authUrl: string, login: string, returnsTo: string): Promise<string> {
      let url = authUrl;
      for (let hop = 0; hop < 10; hop++) {
        if (url.startsWith(returnsTo)) return url;
        const res = await go(url);
        if (res.status >= 300 && res.status < 400) {
          url = new URL(res.headers.get('location')!, url).href;
          continue;
        }
        const html = await res.text();
        const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
        if (res.status !== 200 || !action)
          throw new Error(`the provider answered ${res.status}: ${html.slice(0, 300)}`);
        const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1] ?? 'login';
        const form = new URLSearchParams({ prompt, ...(prompt === 'login' ? { login, password: 'any' } : {}) });
        const posted = await go(new URL(action, url).href, {
          method: 'POST',
          body: form.toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        url = new URL(posted.headers.get('location')!, url).href;
      }
      throw new Error('the provider did not redirect back');
    },
    /** Follows a URL (e.g. the end-session URL) and answers its status and body. */
    async visit(url: string): Promise<{ status: number; body: string }> {
      const res = await go(url);
      return { status: res.status, body: await res.text() };
    },
  };
}
