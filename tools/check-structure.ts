/**
 * The house rules that tools can check, run by `npm test`:
 * - layers: `src/domain` imports no features, db, http, jobs or cli; `src/lib` imports nothing of
 *   the project above it; `src/tabular` (the data engine) only domain and lib; `src/client` (the
 *   TypeScript client the CLI uses) only domain and lib; `src/db` imports no features or http; `web/` imports no server code;
 *   services, repositories and domain code import no Fastify and no `src/http`;
 * - a feature imports another feature only through its `index.ts` (type-only imports allowed), and
 *   a console page no other area's page (shared pieces live in `web/src/components`);
 * - no import cycles (type-only imports do not count: they vanish at run time);
 * - each table is written (insert, update, delete) by one repository only; others go through its
 *   functions (row locks, which change nothing, are not writes);
 * - no source or test file over 600 lines;
 * - only routes and `src/http` write request-shaped pointers (`/body/…`, `/querystring/…`): services,
 *   repositories, domain, lib and tabular code report pointers relative to their own input, and the
 *   route places them (`fromBody`, `fromQuery`, `fromInput` in `src/http/input.ts`).
 *
 * Known debts are listed in `tools/structure-baseline.json`: the check fails on any violation not
 * listed there, and on a listed one that is gone (so the list only shrinks).
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const BASELINE = join(ROOT, 'tools', 'structure-baseline.json');
const MAX_LINES = 600;
const SCANNED = ['src', 'test', 'bench', 'web/src', 'web/scripts', 'tools'];
const SKIP = new Set(['web/src/api/schema.gen.ts', 'src/client/api.gen.ts']);

interface Edge {
  from: string;
  to: string;
  spec: string;
  typeOnly: boolean;
}

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...files(rel));
    else if (/\.(ts|tsx)$/.test(name) && !SKIP.has(rel)) out.push(rel);
  }
  return out;
}

/** Every import of a file: static imports and re-exports (type-only or not) and dynamic `import()`. */
function importsOf(file: string, text: string): Edge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith('.')) {
      edges.push({ from: file, to: spec, spec, typeOnly });
      return;
    }
    edges.push({ from: file, to: normalize(relative(ROOT, resolve(ROOT, dirname(file), spec))), spec, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings : null;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name && !!named && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause : null;
      add(node.moduleSpecifier.text, node.isTypeOnly || (!!named && named.elements.every((e) => e.isTypeOnly)));
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
// Use cases, models, versions and datasets are wired as one feature, the inventory (src/features/inventory.ts).
const INVENTORY = new Set(['use-cases', 'models', 'versions', 'datasets']);
/** `src/features/<name>` of a path inside a feature folder (the inventory's four as one), or null. */
const featureOf = (path: string): string | null => {
  const name = /^src\/features\/([^/]+)\//.exec(path)?.[1] ?? null;
  return name !== null && INVENTORY.has(name) ? 'inventory' : name;
};
// Shared by every feature, or composition files that wire several (like src/app.ts).
const SHARED_FEATURE_PARTS = new Set(['common']);
const COMPOSITION = new Set(['src/app.ts', 'src/features/inventory.ts', 'src/features/feature.ts']);

function violationsOf(edge: Edge): string[] {
  const { from, to, typeOnly } = edge;
  const out: string[] = [];
  const rule = (name: string) => out.push(`${name}: ${from} -> ${edge.spec}`);
  const project = !edge.spec.startsWith('.') ? null : to;
  const pkg = project === null ? edge.spec : null;

  if (under(from, 'src/domain')) {
    if (project && !under(project, 'src/domain') && !under(project, 'src/lib') && project !== 'src/errors.ts')
      rule('domain imports only domain, lib and errors');
    if (pkg && /^(fastify|@fastify\/|kysely|pg|better-sqlite3)/.test(pkg)) rule('domain imports no HTTP or SQL');
  }
  if (under(from, 'src/lib') && project && !under(project, 'src/lib') && project !== 'src/errors.ts')
    rule('lib imports only lib and errors');
  if (
    under(from, 'src/tabular') &&
    project &&
    !['src/tabular', 'src/domain', 'src/lib'].some((d) => under(project, d)) &&
    project !== 'src/errors.ts'
  )
    rule('the tabular engine imports only itself, domain, lib and errors');
  if (
    under(from, 'src/client') &&
    project &&
    !['src/client', 'src/domain', 'src/lib'].some((d) => under(project, d)) &&
    project !== 'src/errors.ts'
  )
    rule('the TypeScript client imports only itself, domain, lib and errors');
  if (under(from, 'src/db') && project && (under(project, 'src/features') || under(project, 'src/http')))
    rule('db imports no features or http');
  if (under(from, 'web/src') && project && !under(project, 'web')) rule('the console imports no server code');
  const page = (path: string) => /^web\/src\/pages\/([^/]+)\//.exec(path)?.[1] ?? null;
  if (project && page(from) && page(project) && page(from) !== page(project))
    rule('a console page imports no other area (shared pieces live in web/src/components)');
  if (/\.(service|repo|fns)\.ts$/.test(from) || under(from, 'src/domain')) {
    if (pkg && /^(fastify|@fastify\/)/.test(pkg)) rule('services, repositories and domain use no Fastify');
    if (project && under(project, 'src/http')) rule('services, repositories and domain use no src/http');
  }
  const a = featureOf(from);
  const b = project ? featureOf(project) : null;
  if (
    a &&
    b &&
    a !== b &&
    !SHARED_FEATURE_PARTS.has(b) &&
    !COMPOSITION.has(from) &&
    !typeOnly &&
    project !== `src/features/${b}/index.ts` &&
    project !== 'src/features/inventory.ts'
  )
    rule('a feature imports another only through its index.ts');
  return out;
}

/** Cycles among value imports, each reported once by its members in order. */
function cycles(edges: Edge[], nodes: string[]): string[] {
  const graph = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const e of edges) if (!e.typeOnly && graph.has(e.from) && graph.has(e.to)) graph.get(e.from)!.push(e.to);
  // Tarjan's strongly connected components.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)!) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(`import cycle: ${component.sort().join(' <-> ')}`);
    }
  };
  for (const n of nodes) if (!idx.has(n)) strong(n);
  return found;
}

// Where request-shaped pointers may be written: the HTTP adapters, the routes, and the API's clients.
const REQUEST_SHAPED_OK = (file: string) =>
  under(file, 'src/http') ||
  under(file, 'src/cli') ||
  under(file, 'src/client') ||
  file === 'src/app.ts' ||
  file.endsWith('.routes.ts');
// A pointer, not markup: `</body>` closes an HTML element.
const REQUEST_POINTER = /(^|[^\w<])\/(body|querystring)(?![\w-])/;

/** String and template literals of `src` outside the HTTP layer that hold a `/body` or `/querystring` pointer. */
function requestPointers(file: string, text: string): string[] {
  if (!under(file, 'src') || REQUEST_SHAPED_OK(file)) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node)) &&
      REQUEST_POINTER.test(node.text)
    )
      found.push(`request-shaped pointer outside routes: ${file}: ${JSON.stringify(node.text)}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Tables written by more than one file of the features. */
function tableWriters(featureFiles: string[]): string[] {
  const writers = new Map<string, Set<string>>();
  for (const file of featureFiles) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/\b(?:insertInto|updateTable|deleteFrom)\(\s*'([a-z_]+)/g))
      writers.set(m[1]!, (writers.get(m[1]!) ?? new Set()).add(file));
  }
  return [...writers]
    .filter(([, files]) => files.size > 1)
    .map(([table, files]) => `table written by several repositories: ${table} <- ${[...files].sort().join(', ')}`);
}

function check(): string[] {
  const all = SCANNED.flatMap(files);
  const edges: Edge[] = [];
  const problems: string[] = [];
  for (const file of all) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_LINES) problems.push(`file over ${MAX_LINES} lines: ${file}`);
    edges.push(...importsOf(file, text));
    problems.push(...requestPointers(file, text));
  }
  for (const e of edges) problems.push(...violationsOf(e));
  problems.push(
    ...cycles(
      edges,
      all.filter((f) => f.startsWith('src/')),
    ),
  );
  problems.push(...tableWriters(all.filter((f) => f.startsWith('src/features/'))));
  return [...new Set(problems)].sort();
}

export { requestPointers };

// Run as a script (`npm run check:structure`); imported by tests for its rules only.
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) main();

function main(): void {
  const problems = check();
  if (process.argv.includes('--write-baseline')) {
    writeFileSync(BASELINE, `${JSON.stringify(problems, null, 2)}\n`);
    console.log(`wrote ${problems.length} known violations to ${relative(ROOT, BASELINE)}`);
  } else {
    const known = new Set(JSON.parse(readFileSync(BASELINE, 'utf8')) as string[]);
    const fresh = problems.filter((p) => !known.has(p));
    const gone = [...known].filter((p) => !problems.includes(p));
    for (const p of fresh) console.error(`new violation: ${p}`);
    for (const p of gone) console.error(`fixed, remove it from tools/structure-baseline.json: ${p}`);
    if (fresh.length > 0 || gone.length > 0) process.exit(1);
    console.log(`structure: ${problems.length} known violations, none new`);
  }
}
