import { Component, Suspense, lazy, useEffect, useState, type ComponentType, type ReactNode } from 'react';
import { api, ok } from './api/client.ts';
import { useOpenTaskCount } from './api/open-tasks.ts';
import { Link, match, useLocation, useNavigationPending } from './router.tsx';
import { useSession } from './session.tsx';
import { useLoad } from './ui/hooks.ts';

/**
 * A page whose code is a chunk of its own (`React.lazy`), fetched the first time the page is shown
 * or earlier with `preload`. Once the chunk is in, the page renders without suspending, so a page
 * preloaded while the session was checked, or shown before, never passes through a loading state.
 */
function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>) {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<{ default: ComponentType<P> }> | undefined;
  // A chunk that failed to load stays failed until the console is reloaded (PageProblem offers it):
  // retrying on every render would loop while the network is down.
  const preload = () => (loading ??= load().then((page) => ((loaded = page), { default: page })));
  const Lazy = lazy(preload);
  function Page(props: P) {
    const Loaded = loaded ?? Lazy;
    return <Loaded {...props} />;
  }
  return Object.assign(Page, { preload });
}

const AccountPage = lazyPage(() => import('./pages/admin/account.tsx').then((m) => m.AccountPage));
const AdminPage = lazyPage(() => import('./pages/admin/admin.tsx').then((m) => m.AdminPage));
const AlertsPage = lazyPage(() => import('./pages/monitoring/alerts.tsx').then((m) => m.AlertsPage));
const AttestationsPage = lazyPage(() =>
  import('./pages/attestations/attestations.tsx').then((m) => m.AttestationsPage),
);
const AuditPage = lazyPage(() => import('./pages/audit/audit.tsx').then((m) => m.AuditPage));
const ExaminationsPage = lazyPage(() =>
  import('./pages/examinations/examinations.tsx').then((m) => m.ExaminationsPage),
);
const GovernancePage = lazyPage(() => import('./pages/governance/governance.tsx').then((m) => m.GovernancePage));
const FindingsPage = lazyPage(() => import('./pages/findings/findings.tsx').then((m) => m.FindingsPage));
const DatasetsPage = lazyPage(() => import('./pages/datasets/datasets.tsx').then((m) => m.DatasetsPage));
const DatasetPage = lazyPage(() => import('./pages/datasets/datasets.tsx').then((m) => m.DatasetPage));
const HomePage = lazyPage(() => import('./pages/home/home.tsx').then((m) => m.HomePage));
const DiscoveryPage = lazyPage(() => import('./pages/discovery/discovery.tsx').then((m) => m.DiscoveryPage));
const DsrPage = lazyPage(() => import('./pages/dsr/dsr.tsx').then((m) => m.DsrPage));
const DsrRequestPage = lazyPage(() => import('./pages/dsr/dsr.tsx').then((m) => m.DsrRequestPage));
const InboxPage = lazyPage(() => import('./pages/inbox/inbox.tsx').then((m) => m.InboxPage));
const NotificationsPage = lazyPage(() =>
  import('./pages/notifications/notifications.tsx').then((m) => m.NotificationsPage),
);
const InventoryPage = lazyPage(() => import('./pages/inventory/inventory.tsx').then((m) => m.InventoryPage));
const MyWorkPage = lazyPage(() => import('./pages/home/my-work.tsx').then((m) => m.MyWorkPage));
const ModelPage = lazyPage(() => import('./pages/models/model.tsx').then((m) => m.ModelPage));
const NewUseCasePage = lazyPage(() => import('./pages/inventory/new-use-case.tsx').then((m) => m.NewUseCasePage));
const PolicyPage = lazyPage(() => import('./pages/policy/policy.tsx').then((m) => m.PolicyPage));
const TrainingsPage = lazyPage(() => import('./pages/trainings/trainings.tsx').then((m) => m.TrainingsPage));
const UseCasePage = lazyPage(() => import('./pages/use-cases/use-case.tsx').then((m) => m.UseCasePage));
const VersionPage = lazyPage(() => import('./pages/models/version.tsx').then((m) => m.VersionPage));

type Route = [
  pattern: string,
  render: (p: Record<string, string>) => ReactNode,
  title: string,
  /** Fetches the page's code ahead of its first render. */
  preload?: () => Promise<unknown>,
];

const ROUTES: Route[] = [
  ['/', () => <HomePage />, 'Home', HomePage.preload],
  ['/inventory', () => <InventoryPage />, 'Inventory', InventoryPage.preload],
  ['/me/work', () => <MyWorkPage />, 'My work', MyWorkPage.preload],
  ['/use-cases/new', () => <NewUseCasePage />, 'New use case', NewUseCasePage.preload],
  ['/use-cases/:id', (p) => <UseCasePage id={p.id!} />, 'Use case', UseCasePage.preload],
  ['/models/:name', (p) => <ModelPage name={p.name!} />, 'Model', ModelPage.preload],
  [
    '/models/:name/versions/:version',
    (p) => <VersionPage name={p.name!} version={Number(p.version)} />,
    'Version',
    VersionPage.preload,
  ],
  ['/datasets', () => <DatasetsPage />, 'Datasets', DatasetsPage.preload],
  ['/datasets/:id', (p) => <DatasetPage id={p.id!} />, 'Dataset', DatasetPage.preload],
  ['/inbox', () => <InboxPage />, 'Approvals inbox', InboxPage.preload],
  ['/notifications', () => <NotificationsPage />, 'Notifications', NotificationsPage.preload],
  ['/alerts', () => <AlertsPage />, 'Alerts and incidents', AlertsPage.preload],
  ['/findings', () => <FindingsPage />, 'Findings', FindingsPage.preload],
  ['/attestations', () => <AttestationsPage />, 'Attestations', AttestationsPage.preload],
  ['/discovery', () => <DiscoveryPage />, 'Discovery', DiscoveryPage.preload],
  ['/data-subject-requests', () => <DsrPage />, 'Data-subject requests', DsrPage.preload],
  ['/data-subject-requests/:id', (p) => <DsrRequestPage id={p.id!} />, 'Data-subject request', DsrRequestPage.preload],
  ['/policy', () => <PolicyPage />, 'Policy', PolicyPage.preload],
  ['/audit', () => <AuditPage />, 'Audit trail', AuditPage.preload],
  ['/examinations', () => <ExaminationsPage />, 'Examinations', ExaminationsPage.preload],
  ['/governance', () => <GovernancePage />, 'Governance programme', GovernancePage.preload],
  ['/trainings', () => <TrainingsPage />, 'Trainings', TrainingsPage.preload],
  ['/admin', () => <AdminPage />, 'Administration', AdminPage.preload],
  ['/account', () => <AccountPage />, 'My account', AccountPage.preload],
];

/**
 * Starts fetching the code of the page at `path`, so that it arrives while the session is checked
 * instead of after; resolves when it is in (at once for an unknown path).
 */
export function preloadPage(path: string): Promise<unknown> {
  const route = ROUTES.find(([pattern]) => match(pattern, path));
  return route?.[3]?.() ?? Promise.resolve();
}

export function App() {
  const { path } = useLocation();
  const pending = useNavigationPending();
  const { me, signOut, hasRole, can } = useSession();
  const openTasks = useOpenTaskCount(me);
  const unread = useLoad(async () => ok(await api.GET('/api/v1/notifications/unread-count')).unread, [path]);
  let page: ReactNode = <NotFound />;
  let title = 'Not found';
  for (const [pattern, render, name] of ROUTES) {
    const params = match(pattern, path);
    if (params) {
      page = render(params);
      title = name;
      break;
    }
  }
  useEffect(() => void (document.title = `${title} · Steward`), [title]);
  const nav = (to: string, label: ReactNode) => (
    <Link to={to} aria-current={(to === '/' ? path === '/' : path.startsWith(to)) ? 'page' : undefined}>
      {label}
    </Link>
  );
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Steward</span>
        <nav aria-label="Main">
          {nav('/', 'Home')}
          {nav('/inventory', 'Inventory')}
          {nav('/me/work', 'My work')}
          {nav(
            '/inbox',
            <>
              Inbox
              {openTasks ? (
                <span className="count" aria-label={`${openTasks} open tasks`}>
                  {openTasks}
                </span>
              ) : null}
            </>,
          )}
          {nav('/alerts', 'Alerts')}
          {nav('/findings', 'Findings')}
          {nav('/attestations', 'Attestations')}
          {nav('/datasets', 'Datasets')}
          {nav('/discovery', 'Discovery')}
          {/* The register names people: only policy:admin, held organisation-wide, may read it. */}
          {can('policy:admin') && nav('/data-subject-requests', 'Data subjects')}
          {nav('/policy', 'Policy')}
          {/* The audit trail is read organisation-wide by the roles that may: others are not offered a 403. */}
          {can('audit:read') && nav('/audit', 'Audit')}
          {nav('/examinations', 'Examinations')}
          {nav('/governance', 'Programme')}
          {nav('/trainings', 'Trainings')}
          {hasRole('admin') && nav('/admin', 'Admin')}
        </nav>
        <span className="user">
          <Link
            to="/notifications"
            className="bell"
            aria-label={`Notifications${unread.data ? `, ${unread.data} unread` : ''}`}
            aria-current={path.startsWith('/notifications') ? 'page' : undefined}
          >
            <span aria-hidden="true">🔔</span>
            {unread.data ? <span className="count">{unread.data}</span> : null}
          </Link>
          <Link to="/account" title={me.roles.map((r) => `${r.role}@${r.scope}`).join(', ')}>
            {me.displayName}
          </Link>
          <button type="button" className="ghost" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      {/* Busy while the next page's code loads: the page on screen stays until then (see navigate). */}
      <main id="main" tabIndex={-1} aria-busy={pending || undefined}>
        <PageProblem path={path}>
          <Suspense fallback={<PageLoading />}>{page}</Suspense>
        </PageProblem>
      </main>
    </>
  );
}

/**
 * What a page shows while its code loads, the first time it is opened with nothing on screen
 * before it: nothing for a moment (a fast load does not flash), then a notice that screen readers
 * hear. Moves between pages keep the previous page instead (see `navigate`).
 */
function PageLoading() {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setSlow(true), 400);
    return () => clearTimeout(timer);
  }, []);
  return (
    <p className="muted" role="status" aria-busy="true">
      {slow ? 'Loading the page…' : ''}
    </p>
  );
}

/**
 * A page that could not be loaded or shown says so in place, with the menu still there, instead of
 * leaving the console blank. Most often its code could not be fetched: the network failed, or a new
 * release of the server replaced it, which reloading picks up.
 */
class PageProblem extends Component<{ path: string; children: ReactNode }, { error: unknown; path: string }> {
  override state: { error: unknown; path: string } = { error: undefined, path: this.props.path };
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  // Another page starts afresh (the boundary itself stays, so moves between pages keep their transition).
  static getDerivedStateFromProps(props: { path: string }, state: { path: string }) {
    return props.path === state.path ? null : { error: undefined, path: props.path };
  }
  override componentDidCatch(error: unknown) {
    // Still reported as an uncaught error is, to the browser's console and whatever watches it.
    reportError(error);
  }
  override render() {
    if (this.state.error === undefined) return this.props.children;
    return (
      <div className="card" role="alert">
        <h1>This page could not be shown</h1>
        <p>{this.state.error instanceof Error ? this.state.error.message : String(this.state.error)}</p>
        <p>
          If Steward was just updated, reloading fetches the current console.{' '}
          <button type="button" onClick={() => location.reload()}>
            Reload
          </button>
        </p>
      </div>
    );
  }
}

function NotFound() {
  return (
    <div className="card">
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to the home page</Link>
      </p>
    </div>
  );
}
