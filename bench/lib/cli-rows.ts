/** The benchmark table's rows for CLI start-up, each beside `node -e 0` from the same run. */
export function cliRows(c: { nodeMs: number; helpMs: number; listMs: number }) {
  const baseline = `${c.nodeMs.toFixed(0)} ms node -e 0`;
  return [
    {
      name: 'steward --help, compiled CLI, wall clock (median ms)',
      value: c.helpMs.toFixed(0),
      baseline,
      ratio: c.helpMs / c.nodeMs,
      goal: '<= 3',
    },
    {
      name: 'steward models list against a live server, wall clock (median ms)',
      value: c.listMs.toFixed(0),
      baseline,
      ratio: c.listMs / c.nodeMs,
      goal: '<= 5',
    },
  ];
}
