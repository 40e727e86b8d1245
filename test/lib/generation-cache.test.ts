import { describe, expect, it } from 'vitest';
import { createGenerationCache } from '../../src/lib/generation-cache.ts';

describe('generation cache', () => {
  it('keeps values while the generation holds and drops them all when it moves', () => {
    const cache = createGenerationCache<number>(10);
    cache.open('g1').keep([['a', 1]]);
    const again = cache.open('g1');
    expect(again.has('a')).toBe(true);
    expect(again.get('a')).toBe(1);
    const moved = cache.open('g2');
    expect(moved.has('a')).toBe(false);
    // Back to the old generation: nothing from it survived the move.
    expect(cache.open('g1').get('a')).toBeUndefined();
  });

  it('does not keep what a read computed after another read saw a newer generation', () => {
    const cache = createGenerationCache<string>(10);
    const slow = cache.open('g1');
    cache.open('g2');
    slow.keep([['a', 'computed at g1']]);
    expect(cache.open('g2').has('a')).toBe(false);
    expect(cache.open('g1').has('a')).toBe(false);
  });

  it('keeps nothing without a generation, and drops everything when full', () => {
    const cache = createGenerationCache<number>(3);
    cache.open(null).keep([['a', 1]]);
    expect(cache.open(null).has('a')).toBe(false);
    const read = cache.open('g');
    read.keep([
      ['a', 1],
      ['b', 2],
    ]);
    read.keep([
      ['c', 3],
      ['d', 4],
    ]);
    const now = cache.open('g');
    expect([now.has('a'), now.has('b'), now.has('c'), now.has('d')]).toEqual([false, false, true, true]);
  });
});
