import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/errors.ts';
import { createKeyedSerial } from '../../src/lib/keyed-serial.ts';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('keyed serial queue', () => {
  it('runs calls with one key one at a time, in arrival order, and other keys alongside', async () => {
    const serially = createKeyedSerial();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const job = (key: string, name: string) =>
      serially(key, async () => {
        running++;
        most = Math.max(most, running);
        log.push(`start ${name}`);
        await tick();
        log.push(`end ${name}`);
        running--;
        return name;
      });
    const other = serially('b', async () => {
      log.push('start b1');
      await tick();
      log.push('end b1');
      return 'b1';
    });
    const results = await Promise.all([job('a', 'a1'), job('a', 'a2'), job('a', 'a3'), other]);
    expect(results).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(log.filter((l) => l.includes(' a'))).toEqual([
      'start a1',
      'end a1',
      'start a2',
      'end a2',
      'start a3',
      'end a3',
    ]);
    // b1 started before a1 ended: keys do not wait for each other.
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('a failing call rejects alone and the queue goes on', async () => {
    const serially = createKeyedSerial();
    const first = serially('k', async () => {
      throw new Error('boom');
    });
    const second = serially('k', async () => 'after');
    await expect(first).rejects.toThrow('boom');
    await expect(second).resolves.toBe('after');
  });

  it('refuses with 503 unavailable past the waiting bound, and accepts again once drained', async () => {
    const serially = createKeyedSerial(2, 3);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a = serially('k', () => gate);
    const b = serially('k', async () => 'b');
    const refused = await serially('k', async () => 'c').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('unavailable');
    expect((refused as DomainError).extra?.retryAfter).toBe(3);
    release();
    await a;
    await expect(b).resolves.toBe('b');
    await expect(serially('k', async () => 'd')).resolves.toBe('d');
  });
});
