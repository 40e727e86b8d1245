import { describe, expect, it } from 'vitest';
import { call, manualClock, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, screenshot, seriousViolations, signIn, useBrowser } from '../helpers/browser.ts';
import { creditScoring } from '../helpers/policy.ts';

const DAY = 86_400_000;

// The programme owner's dashboard in Chromium: KPIs against targets with a history seeded over
// past days, one indicator per team, the leaderboard, and today's snapshot taken from the page.
describe.skipIf(noBrowser !== null)(noBrowser ?? 'the governance dashboard in the console', () => {
  const clock = manualClock(Date.now() - 6 * DAY);
  const t = useTestApp('sqlite', { consoleDir: CONSOLE_DIR, teams: ['lending', 'fraud'], clock });
  const b = useBrowser(
    'governance',
    () => t.app,
    async () => {
      const dana = await seedUser(t.app, 'dana', [
        { scope: 'lending', role: 'data-scientist' },
        { scope: 'fraud', role: 'data-scientist' },
      ]);
      await seedUser(t.app, 'gina', [{ scope: '*', role: 'risk-audit' }]);
      for (const [team, model] of [
        ['lending', 'pd'],
        ['fraud', 'fraud-score'],
      ] as const) {
        const uc = (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/use-cases',
            body: useCaseBody(`${model}-uc`, { ownerTeam: team }),
          })
        ).body.id;
        await call(t.app, {
          method: 'PUT',
          url: `/api/v1/use-cases/${uc}/assessment`,
          body: { answers: creditScoring },
        });
        await call(t.app, { method: 'POST', url: '/api/v1/models', token: dana, body: { name: model, useCaseId: uc } });
        const v = await call(t.app, {
          method: 'POST',
          url: `/api/v1/models/${model}/versions`,
          token: dana,
          body: { artifactUri: `s3://m/${model}`, artifactDigest: `sha256:${'a'.repeat(64)}` },
        });
        expect(v.status, v.text).toBe(201);
      }
      // Six past days of snapshots: the tasks fall due on the way, so the history moves.
      for (let d = 0; d < 6; d++) {
        const res = await call(t.app, { method: 'POST', url: '/api/v1/governance/kpis/snapshots' });
        expect(res.status, res.text).toBe(201);
        clock.advance(DAY);
      }
    },
  );

  it('shows the KPIs against their targets, a history, the teams and the leaderboard', async () => {
    await signIn(b.page, b.base, 'gina');
    await b.page.getByRole('link', { name: 'Programme' }).click();
    await b.page.getByRole('heading', { name: 'Governance programme' }).waitFor();
    const compliance = b.page.getByRole('button', { name: /High-risk versions fully evidenced/ });
    await expect.poll(() => compliance.textContent()).toMatch(/0\.0%.*target >= 90\.0%.*missed/);
    await b.page
      .getByRole('region', { name: 'Targets missed' })
      .getByText('High-risk versions fully evidenced')
      .waitFor();

    await b.page.getByRole('button', { name: /Evidence coverage/ }).click();
    await b.page.getByRole('heading', { name: 'Evidence coverage: over time and per team' }).waitFor();
    await b.page.getByRole('img', { name: 'Evidence coverage, last 90 days' }).waitFor();
    await b.page.getByRole('img', { name: 'Evidence coverage per team, now' }).waitFor();

    const board = b.page.getByRole('region', { name: 'Leaderboard' });
    await board.getByRole('cell', { name: 'lending' }).waitFor();
    await board.getByRole('cell', { name: 'fraud' }).waitFor();
    await screenshot(b.page, 'governance-01-dashboard');

    await b.page.getByRole('button', { name: 'Take today’s snapshot' }).click();
    await expect.poll(async () => (await seriousViolations(b.page)).join('\n')).toBe('');
    expect(b.problems).toEqual([]);
  });

  it('shows upcoming regulatory changes on the policy page', async () => {
    await b.page.goto(`${b.base}/policy`);
    await b.page.getByRole('tab', { name: 'Regulations' }).click();
    const changes = b.page.getByRole('region', { name: 'Regulatory changes' });
    const admt = changes.getByRole('row').filter({ hasText: 'Automated decision-making technology' });
    await admt.waitFor();
    expect(await admt.textContent()).toMatch(/2027-01-01.*takes effect.*upcoming/);
    await changes.getByRole('button', { name: 'Run the watch now' }).click();
    await changes.getByText(/the watch has acted on every change up to \d{4}-\d\d-\d\d/).waitFor();
    await screenshot(b.page, 'governance-02-regulatory-changes');
    expect(b.problems).toEqual([]);
  });

  it('offers the snapshot only to those who may take it', async () => {
    await seedUser(t.app, 'vic', [{ scope: 'lending', role: 'viewer' }]);
    await b.page.context().clearCookies();
    await signIn(b.page, b.base, 'vic');
    await b.page.goto(`${b.base}/governance`);
    await b.page.getByRole('heading', { name: 'Key indicators' }).waitFor();
    expect(await b.page.getByRole('button', { name: 'Take today’s snapshot' }).count()).toBe(0);
    expect(b.problems).toEqual([]);
  });
});
