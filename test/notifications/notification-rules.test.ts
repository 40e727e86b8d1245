import { describe, expect, it } from 'vitest';
import {
  absoluteLink,
  digestMail,
  immediateMail,
  lastEndedPeriod,
  MAX_ATTEMPTS,
  periodOf,
  retryAt,
} from '../../src/domain/notifications.ts';

describe('notification rules', () => {
  it('cuts UTC days and Monday-to-Sunday weeks', () => {
    const tue = new Date('2026-03-03T23:59:59Z');
    expect(periodOf('daily', tue)).toMatchObject({ key: '2026-03-03', end: new Date('2026-03-04T00:00:00Z') });
    expect(periodOf('weekly', tue)).toMatchObject({ key: '2026-03-02', end: new Date('2026-03-09T00:00:00Z') });
    expect(periodOf('weekly', new Date('2026-03-08T12:00:00Z')).key).toBe('2026-03-02');
    expect(periodOf('weekly', new Date('2026-03-09T00:00:00Z')).key).toBe('2026-03-09');
    expect(lastEndedPeriod('daily', new Date('2026-03-04T00:00:00Z')).key).toBe('2026-03-03');
    expect(lastEndedPeriod('weekly', new Date('2026-03-04T10:00:00Z')).key).toBe('2026-02-23');
  });

  it('backs off 1, 2, 4 … minutes and gives up after the last attempt', () => {
    const now = new Date('2026-03-03T09:00:00Z');
    expect(retryAt(1, now)!.getTime() - now.getTime()).toBe(60_000);
    expect(retryAt(3, now)!.getTime() - now.getTime()).toBe(240_000);
    expect(retryAt(MAX_ATTEMPTS, now)).toBeNull();
  });

  it('keeps headers on one line and links under the public URL only', () => {
    const item = { title: 'a\r\nBcc: x@evil', body: 'b', link: '/inbox', createdAt: '2026-03-03T09:00:00Z' };
    const mail = immediateMail(item, 'https://s.example.com/');
    expect(mail.subject).toBe('[Steward] a Bcc: x@evil');
    expect(mail.text).toContain('Open: https://s.example.com/inbox');
    expect(immediateMail(item, null).text).not.toContain('http');
    expect(absoluteLink(null, '/inbox')).toBeNull();
    const digest = digestMail(
      'weekly',
      '2026-03-02',
      [item, { ...item, title: 'c', createdAt: '2026-03-02T00:00:00Z' }],
      null,
    );
    expect(digest.subject).toBe('[Steward] 2 notifications in the week of 2026-03-02');
    expect(digest.text.indexOf('1. c')).toBeLessThan(digest.text.indexOf('2. a'));
  });
});
