import { createHash } from 'node:crypto';
import type { App } from '../http/app-types.ts';
import { demoClient, multipartBody, type DemoClient } from './client.ts';
import { seedDataSubjectRequests } from './dsr.ts';
import { seedProgramme, seedTrainings } from './programme.ts';
import { linearOnnxModel } from './onnx-model.ts';
import { DEMO_PASSWORD, PEOPLE, TEAMS, USE_CASES, type DemoUseCase } from './scenario.ts';

const DAY = 86_400_000;

interface PackMeasure {
  id: string;
  title: string;
  description?: string;
  evidence: (
    | { kind: 'signoff'; roles: string[]; signers?: number; independent?: boolean }
    | { kind: 'document'; documentKind: string }
    | { kind: 'check'; metric: string }
    | { kind: 'monitoring'; monitor: string }
    | { kind: 'data-residency' }
    | { kind: 'ethical-alignment' }
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

/** The credit scorecard's artefact: a logistic model of income (thousands) and tenure (years). */
export const SCORECARD = Buffer.from(linearOnnxModel({ weights: [-0.12, 0.3], bias: 6, kind: 'logistic' }));

/** Labelled hold-out rows for the scorecard's robustness run: the outcome follows the model but for one in ten. */
function robustnessCsv(seed: number): string {
  const r = random(seed);
  const lines = ['income,tenure,y,segment'];
  for (let i = 0; i < 2000; i++) {
    const income = Number((28 + r() * 50).toFixed(2));
    const tenure = Math.floor(r() * 10);
    const y = 6 - 0.12 * income + 0.3 * tenure > 0 !== r() < 0.1 ? 1 : 0;
    lines.push(`${income},${tenure},${y},${['retail', 'sme', 'corporate'][Math.floor(r() * 3)]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Evaluation data drawn like production's: the evaluation and the monitoring agree until drift. */
function evaluationCsv(seed: number): string {
  return `y,yhat,p,segment\n${sample(2000, 0, seed)
    .map((x) => `${x.label},${x.prediction},${x.score},${x.segment}`)
    .join('\n')}\n`;
}

/**
 * A later evaluation on fresh data where the model approves few SME applicants: its demographic
 * parity ratio falls below the four-fifths rule, so the parity check fails (and says by how much).
 */
function biasedEvaluationCsv(seed: number): string {
  const r = random(seed);
  return `y,yhat,p,segment\n${sample(2000, 0, seed)
    .map((x) => {
      const yhat = x.segment === 'sme' && r() < 0.6 ? 0 : x.prediction;
      return `${x.label},${yhat},${x.score},${x.segment}`;
    })
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
      robustness: () => Promise<void>;
      monitor: () => Promise<void>;
      /** Records the use case's alignment with the current ethical position. */
      align: () => Promise<void>;
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
        } else if (e.kind === 'check') await (e.metric.startsWith('robustness.') ? opts.robustness() : opts.evaluate());
        else if (e.kind === 'monitoring') await opts.monitor();
        else if (e.kind === 'ethical-alignment' && b.detail.some((d) => d.includes('ethical position')))
          await opts.align();
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
  const digest = m.onnx
    ? `sha256:${createHash('sha256').update(SCORECARD).digest('hex')}`
    : `sha256:${(index + 1).toString(16).padStart(2, '0').repeat(32)}`;
  if (m.source) {
    await c.must('POST', '/api/v1/datasets', 'dana', {
      name: m.source.name,
      ownerTeam: uc.team,
      legalRegion: 'EU',
      provenance: { method: 'CRM export', source: `${uc.team} CRM`, lawfulBasis: 'contract' },
      columns: m.source.columns,
    });
    await c.must('POST', `/api/v1/datasets/${m.source.name}/versions`, 'dana', {
      rowCount: 80_000,
      digest: `sha256:${(index + 1).toString(16).padStart(2, '0').repeat(31)}cc`,
    });
  }
  // The training data is registered with where it legally resides (the EU, like the use case).
  await c.must('POST', '/api/v1/datasets', 'dana', {
    name: `${m.name}-training`,
    ownerTeam: uc.team,
    legalRegion: 'EU',
    provenance: { method: 'extract of historical records', source: `${uc.team} warehouse` },
  });
  await c.must('POST', `/api/v1/datasets/${m.name}-training/versions`, 'dana', {
    rowCount: 50_000,
    digest: `sha256:${(index + 1).toString(16).padStart(2, '0').repeat(31)}dd`,
    ...(m.source ? { derivedFrom: [{ dataset: m.source.name, version: 1 }] } : {}),
  });
  await c.must('POST', `/api/v1/models/${m.name}/versions`, 'dana', {
    datasets: [{ dataset: `${m.name}-training`, version: 1, role: 'training' }],
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
  // Only a model whose artefact the demo holds can be perturbed; others leave robustness checks unmet.
  let robust = false;
  const robustness = async () => {
    if (robust || !m.onnx) return;
    robust = true;
    const body = multipartBody([
      { name: 'model', filename: 'scorecard.onnx', content: SCORECARD },
      { name: 'data', filename: 'holdout.csv', type: 'text/csv', content: robustnessCsv(index + 11) },
    ]);
    await c.must(
      'POST',
      `${v}/robustness?task=binary-classification&label=y&sensitive=segment&features=income,tenure&noise=0.05,0.1,0.25,0.5,1&swapRates=0.1&categorical=tenure&seed=7`,
      'dana',
      body.payload,
      body.type,
    );
  };
  let monitored = false;
  const ref = Math.floor(now / DAY) * DAY - 14 * DAY;
  const monitorConfig = {
    monitors: ['input-drift', 'performance-decay', 'event-logging'],
    task: 'binary-classification',
    features: { income: 'numerical', segment: 'categorical' },
    reference: { from: new Date(ref).toISOString(), to: new Date(ref + DAY).toISOString() },
  };
  const monitor = async () => {
    if (monitored) return;
    monitored = true;
    await c.must(
      'POST',
      `${v}/predictions`,
      'dana',
      predictions('ref', ref, 400, 0, index, true),
      'application/x-ndjson',
    );
    // Monitoring measures count what was computed, not what a configuration names: a labelled day
    // in shadow two days ago gives the event logs (and, once computed, drift and performance windows).
    await c.must(
      'POST',
      `${v}/predictions`,
      'dana',
      predictions('shadow', Math.floor(now / DAY) * DAY - 2 * DAY, 300, 0, index + 50),
      'application/x-ndjson',
    );
    await c.must('PUT', `${v}/monitor`, 'dana', monitorConfig);
  };
  await evaluate();
  if (uc.failedCheck)
    // A later evaluation fails the four-fifths rule: the parity requirement reads `failed`, with both results in its history.
    await c.must(
      'POST',
      `${v}/evaluations?task=binary-classification&label=y&prediction=yhat&score=p&sensitive=segment`,
      'dana',
      biasedEvaluationCsv(index + 11),
      'text/csv',
    );
  if (m.stage === 'evaluated') return;
  const align = async () => {
    await c.must('PUT', `${u}/alignment`, 'olivia', {
      statement: `${uc.name} follows the ethical position: its decisions are explained and can be contested.`,
    });
  };
  const common = { creator: 'dana', evaluate, robustness, monitor, align };
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
  if (uc.challenger)
    await challenge(c, m.name, digest, monitorConfig, (day) => [
      `prod-${day}`,
      index * 100 + day,
      uc.driftEpisode && day <= 3 ? 35_000 : 0,
    ]);
}

/**
 * A retrained version 2 runs in shadow beside the released version 1 for the last three days: it
 * logs its predictions on the same record ids, version 1's monitor names it as challenger, and each
 * window compares both on the jointly labelled records.
 */
async function challenge(
  c: DemoClient,
  model: string,
  digest: string,
  config: Record<string, unknown>,
  day: (d: number) => [prefix: string, seed: number, shift: number],
): Promise<void> {
  const today = Math.floor(Date.now() / DAY) * DAY;
  const v2 = `/api/v1/models/${model}/versions/2`;
  await c.must('POST', `/api/v1/models/${model}/versions`, 'dana', {
    artifactUri: `s3://models/${model}/2/model.pkl`,
    artifactDigest: `${digest.slice(0, -4)}beef`,
    framework: 'sklearn',
  });
  for (let d = 3; d >= 1; d--) {
    const [prefix, seed, shift] = day(d);
    const r = random(seed + 7);
    // The same applicants (ids, features, outcomes) as version 1 saw; version 2 is right more often.
    const rows = predictions(prefix, today - d * DAY, 300, shift, seed)
      .trim()
      .split('\n')
      .map((line) => {
        const x = JSON.parse(line) as { label: number; score: number } & Record<string, unknown>;
        const prediction = r() < 0.95 ? x.label : 1 - x.label;
        const score = Number((prediction ? 0.55 + r() * 0.4 : 0.05 + r() * 0.4).toFixed(3));
        return JSON.stringify({ ...x, prediction, score });
      });
    await c.must('POST', `${v2}/predictions`, 'dana', `${rows.join('\n')}\n`, 'application/x-ndjson');
  }
  await c.must('PUT', `/api/v1/models/${model}/versions/1/monitor`, 'dana', {
    ...config,
    monitors: ['input-drift', 'performance-decay', 'event-logging', 'champion-challenger'],
    challenger: { model, version: 2 },
  });
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
      // The organisation enforces its training requirements on signatures from a month ago.
      trainings: {
        ...(shipped.trainings as object),
        enforceFrom: new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10),
      },
    },
  });
  await c.must('POST', `/api/v1/policies/${adopted.id}/activate`, 'ravi', {
    comment: 'Adopted by the risk committee; the simulation changes no use case.',
    password: DEMO_PASSWORD,
  });
  const pack = (await c.must('GET', '/api/v1/policies/active', 'admin')).pack as {
    measures: PackMeasure[];
    trainings: { courses: { id: string; requiredFor: string[] }[] };
  };
  await seedTrainings(c, pack.trainings.courses, Date.now());
  const driver = createDriver(c, new Map(pack.measures.map((m) => [m.id, m])), Date.now());
  for (const [i, uc] of USE_CASES.entries()) {
    await seedUseCase(c, driver, uc, i);
    log(`demo: ${uc.name}`);
  }
  await seedDataSubjectRequests(c, Date.now());
  await seedProgramme(c, Date.now());
  for (const username of c.tokens.keys())
    if (username !== 'admin') {
      const mine = await c.must('GET', `/api/v1/tokens?username=${username}`, 'admin');
      for (const t of mine.items as { id: string; name: string }[])
        if (t.name === 'demo seeding') await c.must('DELETE', `/api/v1/tokens/${t.id}`, 'admin');
    }
}
