import { UsageError } from './client.ts';

/** All of standard input, without its final newline (for --password-stdin and piped documents). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks for a secret on the terminal without echoing it; refuses when there is no terminal. */
export function promptSecret(question: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY)
    return Promise.reject(new UsageError('no terminal to ask for the password: give --password-stdin and pipe it'));
  return new Promise((resolve, reject) => {
    let value = '';
    // Echo goes off before the question is shown: whatever is typed after it is never echoed.
    input.setRawMode(true);
    process.stderr.write(question);
    input.resume();
    input.setEncoding('utf8');
    const done = (err?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** The password: from standard input with --password-stdin, otherwise asked for without echo. */
export async function passwordFrom(o: { passwordStdin?: boolean }, question = 'password: '): Promise<string> {
  const password = o.passwordStdin ? await readStdin() : await promptSecret(question);
  if (!password) throw new UsageError('the password is empty');
  return password;
}

/**
 * Progress of a long operation on standard error, only on a terminal and never with --json, so
 * piped and scripted runs stay quiet.
 */
export function progress(label: string, total: number, quiet: boolean): { add(n: number): void; end(): void } {
  if (quiet || !process.stderr.isTTY || total <= 0) return { add() {}, end() {} };
  let done = 0;
  let shown = -1;
  return {
    add(n) {
      done += n;
      const pct = Math.min(100, Math.floor((done / total) * 100));
      if (pct !== shown) process.stderr.write(`\r${label} ${(shown = pct)}%`);
    },
    end() {
      if (shown >= 0) process.stderr.write(`\r${' '.repeat(label.length + 6)}\r`);
      shown = -1;
    },
  };
}
