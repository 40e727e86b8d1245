/** Commander collector for repeatable options (`--tag a --tag b`). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Prints a result: indented JSON with --json, otherwise the human-readable line(s). */
export const print = (json: boolean, value: unknown, human: string): void => {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
};
