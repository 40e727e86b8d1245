import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, csrf, ok, whenUnauthenticated } from './api/client.ts';
import { Field, Outcome } from './ui/basics.tsx';
import { useAction } from './ui/hooks.ts';

type Me = Awaited<ReturnType<typeof loadMe>>;
async function loadMe() {
  return ok(await api.GET('/api/v1/me'));
}

type Methods = { sso: boolean; localPasswords: 'all' | 'admins' | 'off' };
const LOCAL_ONLY: Methods = { sso: false, localPasswords: 'all' };

/**
 * Takes a cookie the server left for the script to pick up once (the CSRF token of a session that
 * single sign-on opened, or a re-authentication proof), and deletes it.
 */
export function takeCookie(name: string): string | null {
  const found = document.cookie
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${name}=`));
  if (!found) return null;
  document.cookie = `${name}=; Path=/; Max-Age=0; SameSite=Strict`;
  return decodeURIComponent(found.slice(name.length + 1)) || null;
}

interface SessionValue {
  me: Me;
  /** Whether people sign in (and re-authenticate to sign) with the organisation's identity provider. */
  sso: boolean;
  signOut: () => Promise<void>;
  /** True when the user holds `role` in any team, or organisation-wide. */
  hasRole: (...roles: string[]) => boolean;
  /** True when the user may exercise `permission` in `team` (any team when omitted), as the server decides. */
  can: (permission: string, team?: string) => boolean;
  /**
   * Why the user may not exercise `permission` in `team` (any team when omitted), naming the roles
   * that grant it and where, or null when they may: the reason shown beside a disabled action.
   */
  why: (permission: string, team?: string) => string | null;
  /**
   * Why the user may not act as one of `roles` (roles a policy pack names) in `team`, or null when
   * they may; `inWords` names the roles when listing them would say less (e.g. "a role in the process").
   */
  whyRole: (roles: readonly string[], team: string, inWords?: string) => string | null;
}

type Rule = Me['permissionRules'][number];

/** Whether `me` may exercise `permission` in `team`, as the server's `can` decides (from /me). */
function allows(me: Me, permission: string, team?: string): boolean {
  const anywhere = me.permissionRules.find((r: Rule) => r.permission === permission)?.where === 'any';
  return me.permissions.some(
    (x) => x.permission === permission && (team === undefined || anywhere || x.scope === '*' || x.scope === team),
  );
}

/** The reason an action needing `permission` in `team` is not offered, in plain words. */
function refusal(me: Me, permission: string, team?: string): string | null {
  if (allows(me, permission, team)) return null;
  const rule = me.permissionRules.find((r: Rule) => r.permission === permission);
  const roles = (rule?.roles ?? []).join(' or ');
  const where =
    rule?.where === 'organisation'
      ? 'organisation-wide'
      : team === undefined
        ? 'in a team'
        : `in team '${team}' (or organisation-wide)`;
  // A token narrower than the person: the role is held there, the token's scopes do not carry it.
  const holds = me.roles.some(
    (a) =>
      rule?.roles.includes(a.role) &&
      (a.scope === '*' || (rule.where !== 'organisation' && (team === undefined || a.scope === team))),
  );
  if (me.tokenScopes && holds) return `Your token's scopes (${me.tokenScopes.join(', ')}) do not allow this.`;
  return `Needs the role ${roles} ${where}; ${heldIn(me, rule?.where === 'organisation' ? '*' : team)}.`;
}

/** What the user holds where an action was refused, to show why their roles do not reach it. */
function heldIn(me: Me, team: string | undefined): string {
  const held = [
    ...new Set(me.roles.filter((a) => team === undefined || a.scope === team || a.scope === '*').map((a) => a.role)),
  ];
  const there = team === undefined ? '' : team === '*' ? ' organisation-wide' : ' there';
  return held.length > 0 ? `you hold ${held.join(', ')}${there}` : `you hold no role${there}`;
}
const SessionContext = createContext<SessionValue | null>(null);
export const useSession = (): SessionValue => useContext(SessionContext)!;

/**
 * Signs the user in (or asks them to), then renders the console for them; a session already open
 * is shown once `ready` (the first page's code) has settled too.
 */
export function SessionGate({ children, ready }: { children: ReactNode; ready?: Promise<unknown> }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
  const [methods, setMethods] = useState<Methods>(LOCAL_ONLY);
  useEffect(() => {
    api.GET('/api/v1/auth/methods').then(
      (res) => res.data && setMethods(res.data),
      () => undefined,
    );
    // Back from the identity provider: the session cookie is set, its CSRF token waits here once.
    const fromSso = takeCookie('steward_csrf');
    if (fromSso) csrf.set(fromSso);
    whenUnauthenticated(() => {
      csrf.set(null);
      setExpired(true);
      setMe(null);
    });
    // Without its CSRF token a session cookie cannot change anything: sign in afresh.
    if (!csrf.get()) return setMe(null);
    // A page whose code failed to load says so itself, once shown.
    const settled = ready?.catch(() => undefined);
    loadMe().then(
      async (m) => {
        await settled;
        setMe(m);
      },
      () => setMe(null),
    );
  }, []);
  if (me === undefined) return <p className="muted centre">Loading…</p>;
  if (me === null)
    return (
      <SignIn
        methods={methods}
        expired={expired}
        onSignedIn={(m) => {
          setExpired(false);
          setMe(m);
        }}
      />
    );
  if (me.passwordChangeRequired) return <ChangePassword onChanged={() => loadMe().then(setMe)} />;
  const value: SessionValue = {
    me,
    sso: methods.sso,
    hasRole: (...roles) => me.roles.some((r) => roles.includes(r.role)),
    can: (permission, team) => allows(me, permission, team),
    why: (permission, team) => refusal(me, permission, team),
    whyRole: (roles, team, inWords) =>
      me.roles.some((a) => roles.includes(a.role) && (a.scope === '*' || a.scope === team))
        ? null
        : `Needs ${inWords ?? `the role ${roles.join(' or ')}`} in team '${team}' (or organisation-wide); ${heldIn(me, team)}.`,
    signOut: async () => {
      if (methods.sso) {
        // Ends this session and, when the provider offers it, the provider's session too.
        const res = await api.POST('/api/v1/auth/oidc/logout').catch(() => undefined);
        csrf.set(null);
        if (res?.data?.endSessionUrl) return window.location.assign(res.data.endSessionUrl);
        return setMe(null);
      }
      await api.POST('/api/v1/auth/logout').catch(() => undefined);
      csrf.set(null);
      setMe(null);
    },
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

function SignIn({
  onSignedIn,
  expired,
  methods,
}: {
  onSignedIn: (me: Me) => void;
  expired: boolean;
  methods: Methods;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useAction(async () => {
    const res = ok(await api.POST('/api/v1/auth/login', { body: { username, password } }));
    csrf.set(res.csrfToken);
    onSignedIn(await loadMe());
  });
  return (
    <main className="signin">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void signIn.act();
        }}
        aria-labelledby="signin-title"
      >
        <h1 id="signin-title">Steward</h1>
        <p className="muted">Model governance: sign in to continue.</p>
        {expired && (
          <p className="notice" role="status">
            Your session ended. Sign in again.
          </p>
        )}
        {methods.sso && (
          <p>
            <a className="button" href="/api/v1/auth/oidc/login">
              Sign in with SSO
            </a>
          </p>
        )}
        {methods.sso && methods.localPasswords === 'admins' && (
          <p className="muted">Administrators may also sign in with their local password.</p>
        )}
        {methods.localPasswords !== 'off' && (
          <>
            <Field label="Username">
              <input
                name="username"
                autoComplete="username"
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                required
                autoFocus
              />
            </Field>
            <Field label="Password">
              <input
                name="password"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                required
              />
            </Field>
            <Outcome of={signIn} />
            <button type="submit" disabled={signIn.busy}>
              Sign in
            </button>
          </>
        )}
      </form>
    </main>
  );
}

function ChangePassword({ onChanged }: { onChanged: () => void }) {
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const change = useAction(async () => {
    ok(await api.POST('/api/v1/auth/password', { body: { currentPassword, newPassword } }));
    onChanged();
  });
  return (
    <main className="signin">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void change.act();
        }}
        aria-labelledby="pw-title"
      >
        <h1 id="pw-title">Choose your password</h1>
        <p className="muted">This account still uses a one-time password.</p>
        <Field label="One-time password">
          <input
            type="password"
            autoComplete="current-password"
            value={currentPassword}
            onChange={(e) => setCurrent(e.target.value)}
            required
          />
        </Field>
        <Field label="New password" hint="at least 12 characters">
          <input
            type="password"
            autoComplete="new-password"
            value={newPassword}
            onChange={(e) => setNew(e.target.value)}
            required
          />
        </Field>
        <Outcome of={change} />
        <button type="submit" disabled={change.busy}>
          Change password
        </button>
      </form>
    </main>
  );
}
