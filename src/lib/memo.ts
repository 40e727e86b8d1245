/**
 * `f` answering each key once (the first answer, a promise included, is kept): for the reads of one
 * page that would otherwise ask the same question of every row (a use case's pack, the caller's
 * training for a role).
 */
export function memoize<K, V>(f: (key: K) => V): (key: K) => V {
  const answers = new Map<K, V>();
  return (key) => {
    if (!answers.has(key)) answers.set(key, f(key));
    return answers.get(key)!;
  };
}
