import { beforeAll, describe, expect, it } from 'vitest';
import { call, seedUser } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, screenshot, signIn, useBrowser } from '../helpers/browser.ts';
import { sha, useGovernedLifecycle } from '../helpers/lifecycle.ts';

// The data-protection officer in Chromium: records an erasure request received weeks ago (so it is
// overdue), sees it traced to the model version trained on the data, extends it and closes it.
describe.skipIf(noBrowser !== null)(noBrowser ?? 'data-subject requests in the console', () => {
  const { t, as } = useGovernedLifecycle('sqlite', { consoleDir: CONSOLE_DIR });
  const b = useBrowser(
    'dsr',
    () => t.app,
    async () => undefined,
  );
  beforeAll(async () => {
    await seedUser(t.app, 'pia', [{ scope: '*', role: 'risk-audit' }]);
    const dataset = await call(t.app, {
      method: 'POST',
      url: '/api/v1/datasets',
      body: {
        name: 'customers',
        ownerTeam: 'lending',
        legalRegion: 'EU',
        provenance: { method: 'extract', source: 'crm', lawfulBasis: 'contract' },
        columns: [{ name: 'email', piiKind: 'direct-identifier' }],
      },
    });
    expect(dataset.status, dataset.text).toBe(201);
    await call(t.app, {
      method: 'POST',
      url: '/api/v1/datasets/customers/versions',
      body: { rowCount: 5, digest: sha(800) },
    });
    const v3 = await call(t.app, {
      method: 'POST',
      url: '/api/v1/models/pd/versions',
      token: as('ds'),
      body: {
        artifactUri: 's3://m/3',
        artifactDigest: sha(3),
        datasets: [{ dataset: 'customers', version: 1, role: 'training' }],
      },
    });
    expect(v3.status, v3.text).toBe(201);
  });

  it('records, traces, extends and closes an erasure request', async () => {
    await signIn(b.page, b.base, 'pia');
    await b.page.getByRole('link', { name: 'Data subjects' }).click();
    await b.page.getByRole('heading', { name: 'Data-subject requests', level: 1 }).waitFor();
    const form = b.page.getByRole('region', { name: 'Record a request' });
    const received = new Date(Date.now() - 45 * 86_400_000).toISOString().slice(0, 10);
    await form.getByLabel(/^Subject reference/).fill('CRM-48213');
    await form.getByLabel(/^Type/).selectOption('erasure');
    await form.getByLabel(/^Received on/).fill(received);
    await form.getByLabel(/^Personal-data category/).fill('email');
    await form.getByRole('button', { name: 'Record request' }).click();

    await b.page.getByRole('heading', { name: 'erasure request CRM-48213', level: 1 }).waitFor();
    await b.page.getByText('overdue', { exact: true }).first().waitFor();
    const models = b.page.getByRole('region', { name: 'Model versions trained or evaluated on the data' });
    const link = models.getByRole('link', { name: 'pd/3' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe('/models/pd/versions/3');
    const tasks = b.page.getByRole('region', { name: 'Tasks opened' });
    await tasks.getByText('dsr-retrain').waitFor();
    await screenshot(b.page, 'dsr-01-traced');

    const extend = b.page.getByRole('region', { name: 'Extend the deadline' });
    await extend.getByLabel(/^Reason for the extension/).fill('Backups in three systems');
    await extend.getByLabel(/^Further months/).fill('2');
    await extend.getByRole('button', { name: 'Extend' }).click();
    await b.page.getByText('extension: Backups in three systems').waitFor();

    const close = b.page.getByRole('region', { name: 'Close the request' });
    await close.getByLabel(/^Outcome/).selectOption('completed');
    await close.getByLabel(/^What was done/).fill('Erased from customers; pd retrained as pd/4.');
    await close.getByRole('button', { name: 'Close request' }).click();
    await b.page.getByText('Erased from customers; pd retrained as pd/4.', { exact: false }).waitFor();
    await b.page.getByRole('region', { name: 'Close the request' }).waitFor({ state: 'detached' });

    await b.page.getByRole('link', { name: 'Data-subject requests' }).click();
    await b.page.getByLabel(/^Show/).selectOption('completed');
    const row = b.page.getByRole('row').filter({ hasText: 'CRM-48213' });
    await row.getByText('completed').waitFor();
    await screenshot(b.page, 'dsr-02-register');
    // The audit trail links the request's events to its page without naming the person.
    await b.page.goto(`${b.base}/audit?actionFamily=dsr.close`);
    const audited = b.page.getByRole('link', { name: 'a data-subject request' }).first();
    await audited.waitFor();
    await audited.click();
    await b.page.getByRole('heading', { name: 'erasure request CRM-48213', level: 1 }).waitFor();
    expect(b.problems).toEqual([]);
  });

  it('does not offer the register to a data scientist', async () => {
    await b.page.context().clearCookies();
    await signIn(b.page, b.base, 'dana');
    await b.page.getByRole('link', { name: 'Inventory' }).waitFor();
    expect(await b.page.getByRole('link', { name: 'Data subjects' }).count()).toBe(0);
  });
});
