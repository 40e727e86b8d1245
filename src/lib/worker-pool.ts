import { Worker, type TransferListItem } from 'node:worker_threads';
import { DomainError, errorStatus, type ErrorCode } from '../errors.ts';

/**
 * The URL of a task module beside `base` (a module's `import.meta.url`): `.ts` while Steward runs
 * from its TypeScript sources (tsx, vitest), `.js` when it runs compiled from dist/. A `new URL`
 * string is not rewritten by the compiler the way import specifiers are.
 */
export function taskModule(base: string, name: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

export interface WorkerPoolOptions {
  /** Threads at most; tasks beyond them wait for one in order of arrival. */
  size: number;
  /** An idle thread exits after this long (it is started again on demand). */
  idleMs?: number;
}

interface Task {
  module: string;
  fn: string;
  args: unknown[];
  transfer: TransferListItem[];
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface Thread {
  worker: Worker;
  task: Task | undefined;
  idle: NodeJS.Timeout | undefined;
}

/** An error as it crosses the thread boundary: domain errors keep their code, fields and extras. */
interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  errors?: unknown;
  extra?: unknown;
}

// Plain CommonJS run with `eval`, so the same bootstrap serves TypeScript sources and dist/: with
// sources, tsx's loader is registered in the thread first (a worker does not inherit the parent's
// loader hooks), then each task module is imported once and its named export called.
const BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
const ready = workerData.tsx ? import(workerData.tsx).then((m) => m.register()) : Promise.resolve();
const modules = new Map();
// Typed arrays a task returns (at the top of its result, or one level down) are moved back, not
// copied: the task has finished with them. Only arrays covering a whole, unshared buffer move.
const movable = (value) => {
  const out = new Set();
  const add = (v) => {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && v.byteOffset === 0 &&
        v.byteLength === v.buffer.byteLength && !Buffer.isBuffer(v)) out.add(v.buffer);
  };
  if (value && typeof value === 'object')
    for (const v of Object.values(value)) {
      add(v);
      if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) for (const w of Object.values(v)) add(w);
    }
  return [...out];
};
const wire = (err) =>
  err && typeof err === 'object'
    ? { name: String(err.name), message: String(err.message), stack: err.stack, code: err.code,
        errors: err.errors, extra: err.extra }
    : { name: 'Error', message: String(err) };
parentPort.on('message', async ({ module, fn, args }) => {
  try {
    await ready;
    if (!modules.has(module)) modules.set(module, import(module));
    const f = (await modules.get(module))[fn];
    if (typeof f !== 'function') throw new Error(module + ' exports no function ' + fn);
    const value = await f(...args);
    parentPort.postMessage({ value }, movable(value));
  } catch (err) {
    let error;
    try {
      error = structuredClone(wire(err));
    } catch {
      error = { name: String(err && err.name), message: String(err && err.message) };
    }
    parentPort.postMessage({ error });
  }
});`;

const revive = (e: WireError): Error => {
  if (e.name === 'DomainError' && e.code && Object.hasOwn(errorStatus, e.code))
    return new DomainError(e.code as ErrorCode, e.message, {
      ...(Array.isArray(e.errors) ? { errors: e.errors as { pointer: string; message: string }[] } : {}),
      ...(e.extra && typeof e.extra === 'object' ? { extra: e.extra as Record<string, unknown> } : {}),
    });
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = `${e.stack}\n    at (worker thread)`;
  return err;
};

/**
 * The ArrayBuffers of `views` that can be moved to another thread instead of copied: each view must
 * cover its whole, unshared buffer (a Node Buffer from the shared pool, or a slice of a larger
 * array, would take its neighbours along). Pass views made by `whole` to be sure.
 */
export function transferable(...views: (ArrayBufferView | undefined)[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of views) {
    if (!v || !(v.buffer instanceof ArrayBuffer)) continue;
    if (v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) out.add(v.buffer);
  }
  return [...out];
}

/** `view` itself when it covers its whole buffer, else a copy that does (so that it can be transferred). */
export function whole<T extends Float64Array | Uint8Array>(view: T): T {
  if (view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength)
    return view;
  // A copy by constructor (a Node Buffer's `slice` would be a view of the same memory).
  return (view instanceof Float64Array ? new Float64Array(view) : new Uint8Array(view)) as T;
}

/**
 * A small pool of worker threads for CPU-bound work (evaluations, explanations, drift), so that the
 * event loop keeps answering requests while it runs. A task is a named export of a module, called
 * with structured-cloneable arguments; typed arrays listed in `transfer` are moved, not copied.
 * Threads start on demand, run one task at a time and exit when idle.
 */
export function createWorkerPool(options: WorkerPoolOptions) {
  const size = Math.max(1, Math.floor(options.size));
  const idleMs = options.idleMs ?? 30_000;
  // Registered in each thread when the sources are TypeScript (see BOOT).
  const tsx = import.meta.url.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;
  const threads = new Set<Thread>();
  const queue: Task[] = [];
  let closed = false;

  const finish = (thread: Thread, settle: (task: Task) => void) => {
    const task = thread.task;
    thread.task = undefined;
    if (task) settle(task);
    next(thread);
  };

  const spawn = (): Thread => {
    const worker = new Worker(BOOT, { eval: true, workerData: { tsx } });
    worker.unref();
    const thread: Thread = { worker, task: undefined, idle: undefined };
    worker.on('message', (m: { value?: unknown; error?: WireError }) =>
      finish(thread, (task) => (m.error ? task.reject(revive(m.error)) : task.resolve(m.value))),
    );
    // A thread that dies (out of memory, a crash in native code) fails its task and is replaced on demand.
    const gone = (err: unknown) => {
      if (!threads.delete(thread)) return;
      clearTimeout(thread.idle);
      const task = thread.task;
      thread.task = undefined;
      task?.reject(err instanceof Error ? err : new Error(`worker thread exited: ${String(err)}`));
      if (queue.length > 0 && !closed) next(spawnTracked());
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`worker thread exited with code ${code}`)));
    return thread;
  };

  const spawnTracked = () => {
    const t = spawn();
    threads.add(t);
    return t;
  };

  const next = (thread: Thread) => {
    if (!threads.has(thread)) return;
    const task = queue.shift();
    if (!task) {
      // An idle thread does not keep the process alive; a busy one does (its caller awaits it).
      thread.worker.unref();
      thread.idle = setTimeout(() => {
        threads.delete(thread);
        void thread.worker.terminate();
      }, idleMs);
      thread.idle.unref();
      return;
    }
    clearTimeout(thread.idle);
    thread.task = task;
    thread.worker.ref();
    try {
      thread.worker.postMessage({ module: task.module, fn: task.fn, args: task.args }, task.transfer);
    } catch (err) {
      thread.task = undefined;
      task.reject(err);
      next(thread);
    }
  };

  return {
    /** Runs `fn` of `module` (a file URL) on a pool thread; resolves with its result. */
    run<T>(module: URL, fn: string, args: unknown[], transfer: TransferListItem[] = []): Promise<T> {
      if (closed) return Promise.reject(new Error('the worker pool is closed'));
      return new Promise<T>((resolve, reject) => {
        queue.push({
          module: module.href,
          fn,
          args,
          transfer,
          resolve: (v) => resolve(v as T),
          reject: (e) => reject(e),
        });
        const free = [...threads].find((t) => t.task === undefined);
        if (free) next(free);
        else if (threads.size < size) next(spawnTracked());
      });
    },
    /** Threads running now (busy or idle). */
    threads: () => threads.size,
    async close(): Promise<void> {
      closed = true;
      for (const task of queue.splice(0)) task.reject(new Error('the worker pool is closed'));
      await Promise.all(
        [...threads].map((t) => {
          threads.delete(t);
          clearTimeout(t.idle);
          t.task?.reject(new Error('the worker pool is closed'));
          return t.worker.terminate();
        }),
      );
    },
  };
}

export type WorkerPool = ReturnType<typeof createWorkerPool>;
