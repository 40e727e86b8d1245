import { canonicalDigest } from '../../domain/jcs.ts';
import type { CoveredState } from '../../domain/lifecycle/manifest.ts';

/**
 * What a version's signatures cover, and its digest, each computed on first read: most reads of a
 * version's governance (an inventory page's statuses) never ask for either.
 *
 * The getters live on this class, not in each governance object's literal. A literal with getter
 * closures of its own gets a hidden class of its own, and V8 allocates hidden classes in old space:
 * dead ones keep their getters, and through them everything the governance computation reached,
 * until the next full collection. Every young-generation collection then copied and promoted that
 * garbage, about 0.46 MB for each inventory page of 50 statuses (see bench/README.md).
 */
export class CoveredLater {
  readonly #state: () => CoveredState;
  #digest: string | undefined;

  constructor(state: () => CoveredState) {
    this.#state = state;
  }

  get covered(): CoveredState {
    return this.#state();
  }

  get coveredDigest(): string {
    return (this.#digest ??= canonicalDigest(this.#state()));
  }
}
