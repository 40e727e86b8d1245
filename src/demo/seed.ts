import type { App } from '../http/app-types.ts';
import { demoClient, type DemoClient } from './client.ts';
import { DEMO_PASSWORD, PEOPLE, TEAMS, USE_CASES, type DemoUseCase } from './scenario.ts';

const DAY = 86_400_000;

interface PackMeasure {
  id: string;
  title: string;
  description?: string;
  evidence: (
    | { kind: 'signoff'; roles: string[]; signers?: number; independent?: boolean }
    | { kind: 'document'; documentKind: string }
    | { kind: 'check' }
    | { kind: 'monitoring'; monitor: string }
  )[];
}
interface Blocker {
  measure: string;
  signoff: boolean;
  detail: string[];
}
interface Step {
  id: string;
  state: string;
  gate: { blockers: Blocker[] };
}

/** Deterministic pseudo-random numbers, so every demo instance tells the same story. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

interface Row {
  income: number;
  segment: string;
  score: number;
  prediction: number;
  label: number;
}

/** Applicants as the model sees them: income (shifted in the drift episode), segment, score, decision and outcome. */
function sample(n: number, shift: number, seed: number): Row[] {
  const r = random(seed);
  return Array.from({ length: n }, () => {
    const income = 28_000 + r() * 50_000 + shift;
    const score = Math.min(0.99, Math.max(0.01, 0.95 - income / 120_000 + (r() - 0.5) * 0.3));
    const prediction = score >= 0.5 ? 1 : 0;
    return {
      income: Math.round(income),
      segment: ['retail', 'sme', 'corporate'][Math.floor(r() * 3)]!,
      score: Number(score.toFixed(3)),
      prediction,
      label: r() < 0.9 ? prediction : 1 - prediction,
    };
  });
}

/** Evaluation data drawn like production's: the evaluation and the monitoring agree until drift. */
function evaluationCsv(seed: number): string {
  return `y,yhat,p,segment\n${sample(2000, 0, seed)
    .map((x) => `${x.label},${x.prediction},${x.score},${x.segment}`)
    .join('\n')}\n`;
}

/** A day of prediction logs (labelled unless `unlabelled`). */
function predictions(
  prefix: string,
  dayStart: number,
  n: number,
  shift: number,
  seed: number,
  unlabelled = false,
): string {
  return `${sample(n, shift, seed)
    .map((x, i) =>
      JSON.stringify({
        id: `${prefix}-${i}`,
        timestamp: new Date(dayStart + Math.floor((i / n) * DAY)).toISOString(),
        features: { income: x.income, segment: x.segment },
        prediction: x.prediction,
        score: x.score,
        ...(unlabelled ? {} : { label: x.label }),
      }),
    )
    .join('\n')}\n`;
}

function createDriver(c: DemoClient, measures: Map<string, PackMeasure>, now: number) {
  const byRole = (role: string) => PEOPLE.filter(([, , roles]) => roles.some(([, r]) => r === role)).map(([u]) => u);

  async function sign(url: string, role: string, users: string[], comment: string): Promise<void> {
    for (const user of users) {
      const res = await c.send('POST', url, user, { role, meaning: 'approve', comment, password: DEMO_PASSWORD });
      // 409: this person's approval of this very state already counts for another measure.
      if (res.status !== 201 && res.status !== 409)
        throw new Error(`demo: ${user} could not sign ${url} as ${role}: ${JSON.stringify(res.body)}`);
    }
  }

  /**
   * A document counts once accepted: by an independent validator where its measure says so,
   * otherwise by someone of the owner's team other than its author (four eyes, though not required).
   */
  async function accept(base: string, id: string, title: string, opts: { author: string; creator: string }) {
    const doc = (
      (await c.must('GET', `${base}/lifecycle`, opts.author)).documents as {
        id: string;
        acceptance: { acceptedBy: string[]; independent: boolean }[];
      }[]
    ).find((d) => d.id === id)!;
    const rule = doc.acceptance[0] ?? { acceptedBy: ['owner-team'], independent: false };
    const candidates = PEOPLE.filter(
      ([u, , roles]) => u !== opts.author && u !== opts.creator && roles.some(([, r]) => r !== 'viewer'),
    )
      .map(([u, , roles]) => ({
        user: u,
        role: rule.acceptedBy.includes('owner-team')
          ? roles[0]![1]
          : roles.map(([, r]) => r).find((r) => rule.acceptedBy.includes(r)),
      }))
      .filter((x): x is { user: string; role: string } => x.role !== undefined);
    const reviewer = candidates[0];
    if (!reviewer) throw new Error(`demo: nobody may accept '${title}'`);
    await c.must('POST', `${base}/documents/${id}/review`, reviewer.user, {
      decision: 'accepted',
      role: reviewer.role,
      comment: `Reviewed: ${title}`,
      password: DEMO_PASSWORD,
    });
  }

  /** Meets a gate's blockers the way its people would: documents and data first, sign-offs last. */
  async function satisfy(
    base: string,
    blockers: Blocker[],
    opts: {
      author: string;
      creator: string;
      evaluate: () => Promise<void>;
      monitor: () => Promise<void>;
      skipSignoffs?: boolean;
    },
  ): Promise<void> {
    for (const b of [...blockers].sort((x, y) => Number(x.signoff) - Number(y.signoff))) {
      const m = measures.get(b.measure);
      if (!m) continue;
      for (const e of m.evidence) {
        if (e.kind === 'document' && b.detail.some((d) => d.includes(`'${e.documentKind}'`))) {
          const posted = await c.must('POST', `${base}/documents`, opts.author, {
            kind: e.documentKind,
            title: m.title,
            content: `# ${m.title}\n\n${m.description ?? ''}\n\nRecorded for the demo by ${opts.author}.`,
          });
          await accept(base, posted.id as string, m.title, opts);
        } else if (e.kind === 'check') await opts.evaluate();
        else if (e.kind === 'monitoring') await opts.monitor();
        else if (e.kind === 'signoff' && !opts.skipSignoffs) {
          const role = e.roles.find((r) => byRole(r).length > 0) ?? e.roles[0]!;
          const people = byRole(role).filter((u) => !e.independent || u !== opts.creator);
          await sign(`${base}/signatures`, role, people.slice(0, e.signers ?? 1), m.title);
        }
      }
    }
  }

  /** Walks a subject's steps, meeting each gate, until `stopAt` is the current step (its gate met unless `holdAt`). */
  async function walk(
    base: string,
    mover: string,
    opts: Parameters<typeof satisfy>[2] & { stopAt?: string; holdAt?: string },
  ): Promise<void> {
    for (let guard = 0; guard < 10; guard++) {
      const l = await c.must('GET', `${base}/lifecycle`, mover);
      const steps = l.steps as Step[];
      const current = steps.find((s) => s.state === 'current');
      if (!current) return;
      await satisfy(base, current.gate.blockers, { ...opts, skipSignoffs: current.id === opts.holdAt });
      if (current.id === opts.stopAt) return;
      const next = steps[steps.indexOf(current) + 1];
      if (!next || next.id === 'monitoring') return;
      const moved = await c.send('POST', `${base}/lifecycle/transitions`, mover, { to: next.id });
      if (moved.status !== 200) return;
    }
  }

  return { walk, satisfy, sign, now };
}

async function seedUseCase(
  c: DemoClient,
  d: ReturnType<typeof createDriver>,
  uc: DemoUseCase,
  index: number,
): Promise<void> {
  const created = await c.must('POST', '/api/v1/use-cases', 'bruno', {
    name: uc.name,
    objective: uc.objective,
    ownerTeam: uc.team,
    consumers: uc.consumers,
    regions: ['EU'],
    sector: uc.sector,
    processesPersonalData: uc.personal,
    kpis: uc.kpis,
  });
  const u = `/api/v1/use-cases/${created.id}`;
  await c.must('PUT', `${u}/assessment`, 'bruno', { answers: uc.answers });
  const now = d.now;
  if (uc.kpiMiss || uc.kpis.length > 0) {
    const k = uc.kpis[0]!;
    const values = Array.from({ length: 10 }, (_, w) => {
      const healthy = k.direction === 'at-least' ? k.target * 1.04 : k.target * 0.85;
      const missed = k.direction === 'at-least' ? k.target * 0.93 : k.target * 1.2;
      return {
        timestamp: new Date(now - (10 - w) * 7 * DAY).toISOString(),
        value: Number((uc.kpiMiss && w >= 8 ? missed : healthy).toFixed(4)),
      };
    });
    await c.must('POST', `${u}/kpis/${encodeURIComponent(k.name)}/values`, 'bruno', { values });
  }
  if (!uc.model) return;
  const m = uc.model;
  await c.must('POST', '/api/v1/models', 'dana', { name: m.name, useCaseId: created.id });
  const digest = `sha256:${(index + 1).toString(16).padStart(2, '0').repeat(32)}`;
  await c.must('POST', `/api/v1/models/${m.name}/versions`, 'dana', {
    artifactUri: `s3://models/${m.name}/1/model.${m.framework === 'onnx' ? 'onnx' : 'pkl'}`,
    artifactDigest: digest,
    framework: m.framework,
    code: { repository: `https://git.example.com/ml/${m.name}`, commit: digest.slice(7, 47) },
    environment: {
      image: `registry.example.com/ml/${m.name}:1`,
      imageDigest: `sha256:${digest.slice(9)}${'0'.repeat(2)}`,
    },
  });
  if (m.stage === 'registered') return;
  const v = `/api/v1/models/${m.name}/versions/1`;
  let evaluated = false;
  const evaluate = async () => {
    if (evaluated) return;
    evaluated = true;
    await c.must(
      'POST',
      `${v}/evaluations?task=binary-classification&label=y&prediction=yhat&score=p&sensitive=segment`,
      'dana',
      evaluationCsv(index + 7),
      'text/csv',
    );
  };
  let monitored = false;
  const monitor = async () => {
    if (monitored) return;
    monitored = true;
    const ref = Math.floor(now / DAY) * DAY - 14 * DAY;
    await c.must(
      'POST',
      `${v}/predictions`,
      'dana',
      predictions('ref', ref, 400, 0, index, true),
      'application/x-ndjson',
    );
    const reqs = await c.must('GET', `${v}/requirements`, 'dana');
    const monitors = new Set<string>();
    for (const r of reqs.requirements as { unmet?: string[] }[])
      for (const x of r.unmet ?? []) {
        const found = /^monitor '([a-z0-9.-]+)' configured$/.exec(x);
        if (found) monitors.add(found[1]!);
      }
    if (monitors.size === 0) monitors.add('input-drift');
    await c.must('PUT', `${v}/monitor`, 'dana', {
      monitors: [...monitors],
      task: 'binary-classification',
      features: { income: 'numerical', segment: 'categorical' },
      reference: { from: new Date(ref).toISOString(), to: new Date(ref + DAY).toISOString() },
    });
  };
  await evaluate();
  if (m.stage === 'evaluated') return;
  const common = { creator: 'dana', evaluate, monitor };
  await d.walk(u, 'olivia', { ...common, author: 'olivia' });
  if (m.stage === 'development')
    return d.walk(v, 'dana', { ...common, author: 'dana', stopAt: 'development', holdAt: 'development' });
  if (m.stage === 'awaiting-validation')
    return d.walk(v, 'dana', { ...common, author: 'dana', stopAt: 'preproduction', holdAt: 'preproduction' });
  await d.walk(v, 'dana', { ...common, author: 'dana' });
  await c.must('POST', `${v}/promotions`, 'dana', {
    environment: 'production',
    reason: 'first release after validation',
    mode: 'single',
  });
  // Two weeks of production logs; the last three days drift (a new customer segment arrives).
  await monitor();
  const today = Math.floor(now / DAY) * DAY;
  for (let day = 13; day >= 1; day--) {
    const shift = uc.driftEpisode && day <= 3 ? 35_000 : 0;
    await c.must(
      'POST',
      `${v}/predictions`,
      'dana',
      predictions(`prod-${day}`, today - day * DAY, 300, shift, index * 100 + day),
      'application/x-ndjson',
    );
  }
}

/**
 * Fills an empty instance with a living organisation: teams, people of every role (password
 * `steward-demo-2026`), a dozen use cases across the tiers, models with versions, evidence,
 * signatures, a production release, monitoring history with a drift episode and a KPI miss.
 * `adminToken` is the bootstrap administrator's API token.
 */
export async function seedDemo(
  app: App,
  admin: { token: string; oneTimePassword?: string | undefined },
  log: (line: string) => void = () => undefined,
): Promise<void> {
  const c = demoClient(app);
  c.tokens.set('admin', admin.token);
  if (admin.oneTimePassword) {
    // The demo's administrator signs in with the demo password like everyone else.
    const basic = Buffer.from(`admin:${admin.oneTimePassword}`).toString('base64');
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ currentPassword: admin.oneTimePassword, newPassword: DEMO_PASSWORD }),
    });
    if (res.statusCode !== 204) throw new Error(`demo: could not set the admin password: ${res.body}`);
  }
  const existing = await c.must('GET', '/api/v1/use-cases?limit=1', 'admin');
  if (existing.items.length > 0) {
    log('demo: the instance already holds use cases; nothing seeded');
    return;
  }
  for (const name of TEAMS) await c.must('POST', '/api/v1/teams', 'admin', { name });
  for (const [username, displayName, roles] of PEOPLE) {
    await c.must('POST', '/api/v1/users', 'admin', {
      username,
      displayName,
      password: DEMO_PASSWORD,
      roles: roles.map(([scope, role]) => ({ scope, role })),
    });
    c.tokens.set(
      username,
      (
        await c.must('POST', '/api/v1/tokens', 'admin', {
          name: 'demo seeding',
          username,
          expiresInDays: 1,
          // Risk administers the policy packs.
          scopes: roles.some(([, r]) => r === 'risk-audit') ? ['read', 'write', 'admin'] : ['read', 'write'],
        })
      ).token,
    );
  }
  await c.must('PUT', '/api/v1/ethical-position', 'admin', {
    wellbeingAspects: ['financial security', 'health', 'fair access to services', 'privacy'],
    psychologicalImpact:
      'No model may pressure people or exploit a vulnerability; messages driven by a model are reviewed for tone.',
    financialImpact:
      'Decisions with financial consequences for a person are explainable and can be contested with a human.',
    transparency: 'People are told when a model contributed to a decision about them, and which factors mattered most.',
    accountability:
      'Every model has a named business owner; risk validates independently; production stops a model that harms.',
  });
  // Governance changes are governed too: Rita uploads the organisation's adopted pack, and Ravi,
  // having read its simulation, activates it by an e-signature (the uploader may not).
  const shipped = (await c.must('GET', '/api/v1/policies/active', 'admin')).pack as Record<string, unknown>;
  const adopted = await c.must('POST', '/api/v1/policies', 'rita', {
    pack: {
      ...shipped,
      version: '1.0.1',
      description: 'The shipped default pack, adopted by the risk committee for this organisation.',
    },
  });
  await c.must('POST', `/api/v1/policies/${adopted.id}/activate`, 'ravi', {
    comment: 'Adopted by the risk committee; the simulation changes no use case.',
    password: DEMO_PASSWORD,
  });
  const pack = (await c.must('GET', '/api/v1/policies/active', 'admin')).pack as { measures: PackMeasure[] };
  const driver = createDriver(c, new Map(pack.measures.map((m) => [m.id, m])), Date.now());
  for (const [i, uc] of USE_CASES.entries()) {
    await seedUseCase(c, driver, uc, i);
    log(`demo: ${uc.name}`);
  }
  for (const username of c.tokens.keys())
    if (username !== 'admin') {
      const mine = await c.must('GET', `/api/v1/tokens?username=${username}`, 'admin');
      for (const t of mine.items as { id: string; name: string }[])
        if (t.name === 'demo seeding') await c.must('DELETE', `/api/v1/tokens/${t.id}`, 'admin');
    }
}
