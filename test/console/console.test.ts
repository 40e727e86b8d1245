import { describe, expect, it } from 'vitest';
import { call, seedUser, useTestApp } from '../helpers/app.ts';
import {
  CONSOLE_DIR,
  noBrowser,
  screenshot,
  seriousViolations,
  signIn as signInAs,
  useBrowser,
} from '../helpers/browser.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { PASSWORD } from '../helpers/governed-path.ts';
import { adHocAnalysis } from '../helpers/policy.ts';

const XSS_NAME = 'Churn <img src=x onerror="window.__pwned=1"> <svg onload="window.__pwned=2">';
const XSS_DOC =
  '# Card\n\n<script>window.__pwned=3</script>\n\n<img src=x onerror="window.__pwned=4">\n\n[click me](javascript:window.__pwned=5)';

// Evaluation data: labels, predictions and scores with two groups (enough for every metric chart).
const evaluationCsv = (shift: number) =>
  `y,yhat,p,sex\n${Array.from({ length: 80 }, (_, i) => `${i % 2},${(i + shift) % 3 === 0 ? 1 - (i % 2) : i % 2},${(((i * 37) % 100) / 100).toFixed(2)},${i % 4 < 2 ? 'F' : 'M'}`).join('\n')}\n`;

describe.each(DB_KINDS)('the web console in Chromium, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const t = useTestApp(kind, { teams: ['lending'], consoleDir: CONSOLE_DIR });
    const tok: Record<string, string> = {};
    const b = useBrowser(
      kind,
      () => t.app,
      async () => {
        tok.dana = await seedUser(t.app, 'dana', [
          { scope: 'lending', role: 'data-scientist' },
          { scope: 'lending', role: 'business-analyst' },
        ]);
        tok.rita = await seedUser(t.app, 'rita', [{ scope: '*', role: 'risk-audit' }]);
      },
    );

    const signIn = (user: string) => signInAs(b.page, b.base, user);
    const a11y = async (name: string) => {
      expect(await seriousViolations(b.page), `axe on ${name}`).toEqual([]);
    };

    it('serves the console with a strict CSP and still answers unknown API paths with problems', async () => {
      const res = await fetch(`${b.base}/models/anything`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
      const html = await res.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      const api = await fetch(`${b.base}/api/v1/nope`, { headers: { authorization: `Bearer ${t.adminToken}` } });
      expect(api.status).toBe(404);
      expect(api.headers.get('content-type')).toContain('application/problem+json');
    });

    it('refuses a wrong password in place, then signs in', async () => {
      await b.page.goto(b.base);
      await a11y('sign-in');
      await b.page.getByLabel('Username').fill('dana');
      await b.page.getByLabel('Password').fill('not-the-password');
      await b.page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => b.page.getByRole('alert').textContent()).toContain('wrong username or password');
      await screenshot(b.page, `${kind}-01-sign-in-refused`);
      await signIn('dana');
      await a11y('inventory');
    });

    it('creates a use case and classifies it with the risk questionnaire', async () => {
      await b.page.getByRole('link', { name: 'New use case' }).click();
      await b.page.getByLabel('Name').fill(XSS_NAME);
      await b.page.getByLabel('Objective').fill('Predict churn <b>bold?</b> for retention offers');
      await b.page.getByLabel('Sector').fill('telecom');
      await b.page.getByRole('button', { name: 'Add KPI' }).click();
      await b.page.getByLabel('KPI 1 name').fill('retention rate');
      await b.page.getByLabel('KPI 1 target').fill('0.9');
      await b.page.getByRole('button', { name: 'Create use case' }).click();
      await b.page.getByRole('heading', { name: 'Risk questionnaire' }).waitFor();
      const pack = (await call(t.app, { method: 'GET', url: '/api/v1/policies/active' })).body.pack as {
        questionnaire: { id: string; type: string; options?: { value: string; label: string }[] }[];
      };
      for (const q of pack.questionnaire) {
        const answer = adHocAnalysis[q.id];
        if (answer === undefined) continue;
        const group = b.page
          .getByRole('group')
          .filter({ has: b.page.locator(`input[name="${q.id}"], input[data-question="${q.id}"]`) });
        const label = (value: string) => q.options!.find((o) => o.value === value)!.label;
        if (q.type === 'boolean') await group.getByLabel(answer ? 'yes' : 'no', { exact: true }).check();
        else if (q.type === 'choice') await group.getByLabel(label(answer as string), { exact: true }).check();
        else for (const v of answer as string[]) await group.getByLabel(label(v), { exact: true }).check();
      }
      await b.page.getByRole('button', { name: 'Classify' }).click();
      await b.page.getByText('Tier 1 of 4').waitFor();
      await expect.poll(() => b.page.locator('.meta').first().textContent()).toContain('tier 1');
      await screenshot(b.page, `${kind}-02-risk-assessment`);
      await a11y('use case');
      // The hostile name is shown as text: nothing it carries ran or became markup.
      expect(await b.page.getByRole('heading', { level: 1 }).textContent()).toBe(XSS_NAME);
      expect(await b.page.locator('main img, main h1 svg').count()).toBe(0);
    });

    it('edits the use case and records a KPI value against its target', async () => {
      await b.page.getByRole('tab', { name: 'Overview' }).click();
      await b.page.getByLabel('New retention rate value').fill('0.85');
      await b.page.getByRole('button', { name: 'Record value' }).click();
      await expect.poll(() => b.page.getByText(/1 values; /).textContent()).toContain('1 miss the target');
      await b.page.getByRole('button', { name: 'Edit' }).click();
      await b.page.getByLabel('Objective').fill('Predict churn for retention offers, reviewed monthly');
      await b.page.getByRole('button', { name: 'Save' }).click();
      await b.page.getByText('Predict churn for retention offers, reviewed monthly').waitFor();
      await b.page.getByRole('tab', { name: 'Models' }).click();
    });

    it('registers a model and a version, and shows an attached evaluation with its charts', async () => {
      await b.page.getByLabel('Model name').fill('churn');
      await b.page.getByRole('button', { name: 'Register model' }).click();
      await b.page.getByRole('heading', { name: 'Register a version' }).waitFor();
      await b.page.getByLabel('Artefact URI').fill('s3://models/churn/1/model.onnx');
      await b.page.getByLabel('Artefact digest').fill(`sha256:${'a'.repeat(64)}`);
      await b.page.getByRole('button', { name: 'Register version' }).click();
      await b.page.getByRole('heading', { name: 'churn v1' }).waitFor();
      await b.page.getByRole('tab', { name: 'Evidence' }).click();
      // A data file with labels, predictions, scores and a sensitive column, evaluated from the console.
      await b.page
        .getByRole('region', { name: 'Evaluate on a data file' })
        .getByLabel(/^Data file/)
        .setInputFiles({ name: 'holdout.csv', mimeType: 'text/csv', buffer: Buffer.from(evaluationCsv(0)) });
      await b.page.getByLabel('Score column').fill('p');
      await b.page.getByLabel('Sensitive columns').fill('sex');
      await b.page.getByRole('button', { name: 'Evaluate' }).click();
      await b.page.getByRole('table', { name: /Confusion matrix/ }).waitFor();
      expect(await b.page.getByRole('img', { name: /ROC curve, AUC/ }).count()).toBe(1);
      expect(await b.page.getByRole('img', { name: /per group of sex/ }).count()).toBe(1);
      await screenshot(b.page, `${kind}-03-evaluation`);
    });

    it('configures the version’s monitor from its own logged predictions', async () => {
      const day = 86_400_000;
      // Inside the form's default reference period: the UTC day two weeks ago.
      const start = Math.floor(Date.now() / day) * day - 14 * day + 3_600_000;
      const rows = Array.from({ length: 50 }, (_, i) =>
        JSON.stringify({
          id: `ref-${i}`,
          timestamp: new Date(start + i * 60_000).toISOString(),
          features: { tenure: 10 + (i % 7), plan: ['basic', 'plus'][i % 2] },
          prediction: i % 2,
          score: (i % 10) / 10,
        }),
      ).join('\n');
      const logged = await t.app.inject({
        method: 'POST',
        url: '/api/v1/models/churn/versions/1/predictions',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tok.dana}` },
        payload: `${rows}\n`,
      });
      expect([200, 201, 202], logged.body).toContain(logged.statusCode);
      await b.page.getByRole('tab', { name: 'Monitoring' }).click();
      await b.page.getByLabel(/^Monitor families/).fill('input-drift');
      await b.page.getByLabel(/^Features/).fill('tenure:numerical, plan:categorical');
      await b.page.getByRole('button', { name: 'Configure monitor' }).click();
      await expect
        .poll(() => b.page.getByRole('region', { name: 'Monitor' }).textContent())
        .toContain('tenure (numerical)');
      await b.page.getByRole('tab', { name: 'Evidence' }).click();
    });

    it('renders a document with script, HTML and javascript: links inert', async () => {
      await b.page.getByLabel('Title').fill('Model card <i>x</i>');
      await b.page.getByLabel('Content (Markdown)').fill(XSS_DOC);
      await b.page.getByLabel('Kind').fill('model-card');
      await b.page.getByRole('button', { name: 'Record document' }).click();
      await b.page.getByRole('button', { name: /Model card <i>x<\/i>/ }).click();
      await b.page.locator('.markdown h1', { hasText: 'Card' }).waitFor();
      expect(await b.page.locator('.markdown script, .markdown img, main i').count()).toBe(0);
      expect(await b.page.locator('.markdown a[href^="javascript"]').count()).toBe(0);
      expect(await b.page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      await a11y('version evidence');
    });

    it('requests a promotion and shows it blocked with the unmet measures', async () => {
      await b.page.getByRole('tab', { name: 'Governance' }).click();
      await b.page.locator('select').and(b.page.getByLabel('Environment')).selectOption('production');
      await b.page.getByLabel('Reason', { exact: true }).fill('quarterly release');
      await b.page.getByRole('button', { name: 'Request promotion' }).click();
      const outcome = b.page.getByRole('status').filter({ hasText: 'Promotion to production' });
      await outcome.waitFor();
      expect(await outcome.textContent()).toContain('blocked');
      expect(await outcome.locator('li').count()).toBeGreaterThan(0);
      await screenshot(b.page, `${kind}-04-promotion-blocked`);
      await a11y('version governance');
    });

    it('signs as an independent validator after re-entering the password (a wrong one is refused in place)', async () => {
      await b.page.getByRole('button', { name: 'Sign out' }).click();
      // The sign-in form shows once the session is gone; signing in earlier would race the sign-out.
      await b.page.getByLabel('Username').waitFor();
      await signIn('rita');
      await b.page.goto(`${b.base}/models/churn/versions/1?tab=Governance`);
      await b.page.getByRole('button', { name: 'Sign…' }).click();
      const dialog = b.page.getByRole('dialog', { name: 'Sign churn v1' });
      await dialog.waitFor();
      // What is signed is shown: the state digest, the artefact digest, the evidence and the policy.
      expect(await dialog.textContent()).toContain(`sha256:${'a'.repeat(64)}`);
      expect(await dialog.textContent()).toContain('default 1.0.0');
      await screenshot(b.page, `${kind}-05-sign-dialog`);
      await dialog.getByLabel('Meaning').selectOption('approve');
      await dialog.getByLabel('Comment').fill('validated');
      await dialog.getByLabel('Password').fill('wrong-password-here');
      await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
      await dialog.getByRole('alert').waitFor();
      await dialog.getByLabel('Password').fill(PASSWORD('rita'));
      await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      const row = b.page.getByRole('row', { name: /User rita/ });
      await row.waitFor();
      expect(await row.textContent()).toMatch(/approve.*risk-audit.*valid/);
      expect(await row.textContent()).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
      await screenshot(b.page, `${kind}-06-signed`);
    });

    it('shows a document awaiting review, and accepts it by an e-signature', async () => {
      const documents = b.page.getByRole('region', { name: 'Documents and their reviews' });
      const row = documents.getByRole('row', { name: /model-card/ });
      await row.waitFor();
      expect(await row.textContent()).toContain('submitted');
      expect(await row.textContent()).toContain("the owner's team");
      await row.getByRole('button', { name: 'Review Model card' }).click();
      const dialog = b.page.getByRole('dialog', { name: /^Review Model card/ });
      await dialog.waitFor();
      // What is signed: the revision and its content hash.
      expect(await dialog.textContent()).toMatch(/Content hash\s*sha256:[0-9a-f]{64}/);
      await dialog.getByLabel('Decision').selectOption('accepted');
      await dialog.getByLabel('Role').selectOption('risk-audit');
      await dialog.getByLabel('Comment').fill('purpose, data and limits are described');
      await dialog.getByLabel('Password').fill(PASSWORD('rita'));
      await a11y('document review dialog');
      await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      await expect.poll(() => documents.getByRole('row', { name: /model-card/ }).textContent()).toContain('accepted');
      expect(await documents.getByRole('row', { name: /model-card/ }).textContent()).toContain(
        'accepted by User rita as risk-audit',
      );
      await screenshot(b.page, `${kind}-06b-document-accepted`);
    });

    it('verifies the audit trail and lists the events', async () => {
      await b.page.getByRole('link', { name: 'Audit' }).click();
      await b.page.getByRole('button', { name: 'Verify the trail' }).click();
      const outcome = b.page.getByRole('status').filter({ hasText: 'Intact' });
      await outcome.waitFor();
      expect(await outcome.textContent()).toMatch(/\d+ events re-hashed/);
      await b.page.getByLabel('What').fill('signature.create');
      await b.page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => b.page.getByRole('cell', { name: 'signature.create' }).count()).toBe(1);
      expect(await b.page.getByRole('row', { name: /signature\.create/ }).textContent()).toContain('User rita');
      await screenshot(b.page, `${kind}-07-audit`);
      await a11y('audit');
    });

    it('shows an invalid policy pack’s problems in place, then simulates and activates a valid one', async () => {
      const current = (await call(t.app, { method: 'GET', url: '/api/v1/policies/active' })).body.pack as Record<
        string,
        unknown
      >;
      await b.page.getByRole('link', { name: 'Policy' }).click();
      const upload = b.page.getByLabel('Pack (YAML or JSON)');
      const { tiers: _, ...withoutTiers } = current;
      await upload.fill(JSON.stringify({ ...withoutTiers, version: '1.0.1' }));
      await b.page.getByRole('button', { name: 'Validate and simulate' }).click();
      await expect
        .poll(() => b.page.getByRole('alert').filter({ hasText: 'The pack is not valid' }).textContent())
        .toContain('tiers');
      await upload.fill(JSON.stringify({ ...current, version: '1.0.1' }));
      await b.page.getByRole('button', { name: 'Validate and simulate' }).click();
      await b.page.getByRole('heading', { name: /^Simulation:/ }).waitFor();
      await screenshot(b.page, `${kind}-07b-policy-simulated`);
      await b.page.getByRole('button', { name: 'Upload as draft' }).click();
      await b.page.getByRole('status').filter({ hasText: 'Uploaded default 1.0.1 as a draft' }).waitFor();
      // Four eyes: another policy administrator activates it, by an e-signature.
      await seedUser(t.app, 'ravi', [{ scope: '*', role: 'risk-audit' }]);
      await b.page.getByRole('button', { name: 'Sign out' }).click();
      // The sign-in form shows once the session is gone; signing in earlier would race the sign-out.
      await b.page.getByLabel('Username').waitFor();
      await signIn('ravi');
      await b.page.getByRole('link', { name: 'Policy' }).click();
      await b.page.getByRole('tab', { name: 'Versions' }).click();
      await b.page
        .getByRole('row', { name: /default 1\.0\.1/ })
        .getByRole('button', { name: 'Activate…' })
        .click();
      const dialog = b.page.getByRole('dialog', { name: 'Activate policy pack' });
      await expect.poll(() => dialog.textContent()).toMatch(/use case\(s\) change/);
      await dialog.getByLabel('Password').fill(PASSWORD('ravi'));
      await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      await expect.poll(() => b.page.locator('.meta').first().textContent()).toContain('default 1.0.1');
      expect(await b.page.locator('.meta').first().textContent()).toContain('signed');
      await a11y('policy');
    });

    it('lets an administrator grant a role and subscribe a webhook', async () => {
      await seedUser(t.app, 'ada', [{ scope: '*', role: 'admin' }]);
      await b.page.getByRole('button', { name: 'Sign out' }).click();
      // The sign-in form shows once the session is gone; signing in earlier would race the sign-out.
      await b.page.getByLabel('Username').waitFor();
      await signIn('ada');
      await b.page.getByRole('link', { name: 'Admin' }).click();
      await b.page.getByLabel('Role to grant dana').selectOption('viewer');
      await b.page.getByLabel('Team of the role for dana').fill('lending');
      await b.page
        .getByRole('row', { name: /User dana/ })
        .getByRole('button', { name: 'Grant' })
        .click();
      await expect.poll(() => b.page.getByRole('row', { name: /User dana/ }).textContent()).toContain('viewer@lending');
      await a11y('admin users');
      await b.page.getByRole('tab', { name: 'Webhooks' }).click();
      await b.page.getByLabel('Receiver URL').fill('https://hooks.example.com/steward');
      await b.page.getByLabel(/^Events/).fill('promotion.*, signature.create');
      await b.page.getByRole('button', { name: 'Subscribe' }).click();
      await b.page.getByRole('status').filter({ hasText: 'Signing secret' }).waitFor();
      expect(await b.page.getByRole('row', { name: /hooks\.example\.com/ }).textContent()).toContain(
        'promotion.*, signature.create',
      );
      await screenshot(b.page, `${kind}-09-admin-webhooks`);
      // Changing one's own password ends the session; the new password signs in.
      await b.page.getByRole('link', { name: 'User ada' }).click();
      await b.page.getByLabel('Current password').fill(PASSWORD('ada'));
      await b.page.getByLabel('New password').fill('a-brand-new-passphrase-for-ada');
      await b.page.getByRole('button', { name: 'Change password' }).click();
      await b.page.getByRole('button', { name: 'Sign in' }).waitFor();
      await b.page.getByLabel('Username').fill('ada');
      await b.page.getByLabel('Password').fill('a-brand-new-passphrase-for-ada');
      await b.page.getByRole('button', { name: 'Sign in' }).click();
      await b.page.getByRole('heading', { name: 'User ada' }).waitFor();
    });

    it('routes a self-granted independent role to a second administrator', async () => {
      // ada is still signed in from the previous journey.
      await b.page.getByRole('link', { name: 'Admin' }).click();
      await b.page.getByLabel('Role to grant ada').selectOption('risk-audit');
      await b.page
        .getByRole('row', { name: /User ada/ })
        .getByRole('button', { name: 'Grant' })
        .click();
      await b.page.getByRole('status').filter({ hasText: 'another administrator has to confirm it' }).waitFor();
      expect(await b.page.getByRole('row', { name: /User ada/ }).textContent()).not.toContain('risk-audit@*');
      await seedUser(t.app, 'bea', [{ scope: '*', role: 'admin' }]);
      await b.page.getByRole('button', { name: 'Sign out' }).click();
      // The sign-in form shows once the session is gone; signing in earlier would race the sign-out.
      await b.page.getByLabel('Username').waitFor();
      await signIn('bea');
      await b.page.getByRole('link', { name: 'Admin' }).click();
      const request = b.page.getByRole('row', { name: 'Grant of risk-audit in * for ada' });
      // Who asked is named once the user list has loaded beside the requests.
      await expect.poll(() => request.textContent()).toContain('User ada');
      await a11y('admin role grants');
      await request.getByRole('button', { name: 'Confirm' }).click();
      await b.page.getByRole('status').filter({ hasText: 'Confirmed: risk-audit in * for ada' }).waitFor();
      await expect.poll(() => b.page.getByRole('row', { name: /User ada/ }).textContent()).toContain('risk-audit@*');
    });

    it('finds the model in the inventory by search, and shows the inbox', async () => {
      await b.page.getByRole('link', { name: 'Inventory' }).click();
      await b.page.getByRole('searchbox').fill('churn');
      await b.page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => b.page.locator('table.grid tbody tr').count()).toBe(1);
      expect(await b.page.locator('table.grid tbody').textContent()).toContain('tier 1');
      await screenshot(b.page, `${kind}-08-inventory`);
      await b.page.getByRole('link', { name: /Inbox/ }).click();
      await b.page.getByRole('heading', { name: 'Approvals inbox' }).waitFor();
      await a11y('inbox');
      expect(b.problems).toEqual([]);
    });
  });
});
