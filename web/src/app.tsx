import { useEffect, type ReactNode } from 'react';
import { api, ok } from './api/client.ts';
import { AccountPage } from './pages/admin/account.tsx';
import { AdminPage } from './pages/admin/admin.tsx';
import { AlertsPage } from './pages/monitoring/alerts.tsx';
import { AttestationsPage } from './pages/attestations/attestations.tsx';
import { AuditPage } from './pages/audit/audit.tsx';
import { ExaminationsPage } from './pages/examinations/examinations.tsx';
import { GovernancePage } from './pages/governance/governance.tsx';
import { FindingsPage } from './pages/findings/findings.tsx';
import { DatasetPage, DatasetsPage } from './pages/datasets/datasets.tsx';
import { HomePage } from './pages/home/home.tsx';
import { DiscoveryPage } from './pages/discovery/discovery.tsx';
import { DsrPage, DsrRequestPage } from './pages/dsr/dsr.tsx';
import { InboxPage } from './pages/inbox/inbox.tsx';
import { NotificationsPage } from './pages/notifications/notifications.tsx';
import { InventoryPage } from './pages/inventory/inventory.tsx';
import { MyWorkPage } from './pages/home/my-work.tsx';
import { ModelPage } from './pages/models/model.tsx';
import { NewUseCasePage } from './pages/inventory/new-use-case.tsx';
import { PolicyPage } from './pages/policy/policy.tsx';
import { TrainingsPage } from './pages/trainings/trainings.tsx';
import { UseCasePage } from './pages/use-cases/use-case.tsx';
import { VersionPage } from './pages/models/version.tsx';
import { Link, match, navigate, useLocation } from './router.tsx';
import { useSession } from './session.tsx';
import { useLoad } from './ui/hooks.ts';

const ROUTES: [string, (p: Record<string, string>) => ReactNode, string][] = [
  ['/', () => <HomePage />, 'Home'],
  ['/home', () => <HomeRedirect />, 'Home'],
  ['/inventory', () => <InventoryPage />, 'Inventory'],
  ['/me/work', () => <MyWorkPage />, 'My work'],
  ['/use-cases/new', () => <NewUseCasePage />, 'New use case'],
  ['/use-cases/:id', (p) => <UseCasePage id={p.id!} />, 'Use case'],
  ['/models/:name', (p) => <ModelPage name={p.name!} />, 'Model'],
  ['/models/:name/versions/:version', (p) => <VersionPage name={p.name!} version={Number(p.version)} />, 'Version'],
  ['/datasets', () => <DatasetsPage />, 'Datasets'],
  ['/datasets/:id', (p) => <DatasetPage id={p.id!} />, 'Dataset'],
  ['/inbox', () => <InboxPage />, 'Approvals inbox'],
  ['/notifications', () => <NotificationsPage />, 'Notifications'],
  ['/alerts', () => <AlertsPage />, 'Alerts and incidents'],
  ['/findings', () => <FindingsPage />, 'Findings'],
  ['/attestations', () => <AttestationsPage />, 'Attestations'],
  ['/discovery', () => <DiscoveryPage />, 'Discovery'],
  ['/data-subject-requests', () => <DsrPage />, 'Data-subject requests'],
  ['/data-subject-requests/:id', (p) => <DsrRequestPage id={p.id!} />, 'Data-subject request'],
  ['/policy', () => <PolicyPage />, 'Policy'],
  ['/audit', () => <AuditPage />, 'Audit trail'],
  ['/examinations', () => <ExaminationsPage />, 'Examinations'],
  ['/governance', () => <GovernancePage />, 'Governance programme'],
  ['/trainings', () => <TrainingsPage />, 'Trainings'],
  ['/admin', () => <AdminPage />, 'Administration'],
  ['/account', () => <AccountPage />, 'My account'],
];

export function App() {
  const { path } = useLocation();
  const { me, signOut, hasRole, can } = useSession();
  const inbox = useLoad(
    async () => ok(await api.GET('/api/v1/tasks', { params: { query: { status: 'open', limit: 500 } } })).items.length,
    [path],
  );
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
              {inbox.data ? (
                <span className="count" aria-label={`${inbox.data} open tasks`}>
                  {inbox.data}
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
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

/** The home page moved to `/`: an old link or bookmark lands there. */
function HomeRedirect() {
  useEffect(() => navigate('/', { replace: true }), []);
  return <HomePage />;
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
