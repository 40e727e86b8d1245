/**
 * Rules of notifications to people: e-mail modes, digest periods, retry backoff, and what a mail
 * says. Pure: no SMTP, no SQL.
 */

export const EMAIL_MODES = ['immediate', 'daily', 'weekly', 'off'] as const;
export type EmailMode = (typeof EMAIL_MODES)[number];
/** Without a setting of their own, people get one mail a day listing what happened. */
export const DEFAULT_EMAIL_MODE: EmailMode = 'daily';

export type DigestPeriod = 'daily' | 'weekly';

/** Attempts at one mail before it is recorded as failed. */
export const MAX_ATTEMPTS = 6;

const DAY = 86_400_000;

/** UTC midnight of the instant's day. */
const dayStart = (t: number) => t - (((t % DAY) + DAY) % DAY);

/**
 * The digest period an instant falls in: a UTC day, or an ISO week (Monday to Sunday, UTC).
 * `key` is the period's first day (YYYY-MM-DD), `end` the instant it ends.
 */
export function periodOf(period: DigestPeriod, at: Date): { key: string; start: Date; end: Date } {
  const day = dayStart(at.getTime());
  // 1970-01-01 was a Thursday: days since then, shifted so Monday is 0.
  const start = period === 'daily' ? day : day - ((Math.floor(day / DAY) + 3) % 7) * DAY;
  const end = start + (period === 'daily' ? DAY : 7 * DAY);
  return { key: new Date(start).toISOString().slice(0, 10), start: new Date(start), end: new Date(end) };
}

/** The last period that has ended by `now` (the one whose digest is due). */
export function lastEndedPeriod(period: DigestPeriod, now: Date): { key: string; start: Date; end: Date } {
  return periodOf(period, new Date(periodOf(period, now).start.getTime() - 1));
}

/**
 * When to try a mail again after `attempts` failed tries: 1, 2, 4, 8, … minutes, at most 6 hours;
 * null once MAX_ATTEMPTS are spent (the mail is then recorded as failed).
 */
export function retryAt(attempts: number, now: Date): Date | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  const wait = Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 6 * 3_600_000);
  return new Date(now.getTime() + wait);
}

export interface MailItem {
  title: string;
  body: string;
  /** Console path (`/inbox`, `/use-cases/…`). */
  link: string | null;
  createdAt: string;
}

/** An absolute link under the public URL, or nothing when none is configured. */
export function absoluteLink(publicUrl: string | null, path: string | null): string | null {
  if (!publicUrl || !path) return null;
  return `${publicUrl.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}

// Mail headers are one line: newlines in a title would let text inject headers.
const oneLine = (s: string, max = 180) => s.replace(/[\r\n\t]+/g, ' ').slice(0, max);

/** One notification as a mail of its own. */
export function immediateMail(item: MailItem, publicUrl: string | null): { subject: string; text: string } {
  const link = absoluteLink(publicUrl, item.link);
  const settings = absoluteLink(publicUrl, '/notifications');
  return {
    subject: `[Steward] ${oneLine(item.title)}`,
    text: [
      item.title,
      '',
      item.body,
      ...(link ? ['', `Open: ${link}`] : []),
      '',
      settings
        ? `You receive this because of your notification settings: ${settings}`
        : 'You receive this because of your Steward notification settings.',
    ].join('\n'),
  };
}

/** Several notifications of one period in one mail, oldest first. */
export function digestMail(
  period: DigestPeriod,
  key: string,
  items: MailItem[],
  publicUrl: string | null,
): { subject: string; text: string } {
  const sorted = [...items].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const lines = sorted.flatMap((i, n) => {
    const link = absoluteLink(publicUrl, i.link);
    return [`${n + 1}. ${oneLine(i.title, 500)}`, `   ${i.body}`, ...(link ? [`   ${link}`] : []), ''];
  });
  const list = absoluteLink(publicUrl, '/notifications');
  const what = period === 'daily' ? `on ${key}` : `in the week of ${key}`;
  return {
    subject: `[Steward] ${items.length} notification${items.length === 1 ? '' : 's'} ${what}`,
    text: [
      `${items.length} notification${items.length === 1 ? '' : 's'} ${what}:`,
      '',
      ...lines,
      list ? `All notifications: ${list}` : 'All notifications are listed in the Steward console.',
    ].join('\n'),
  };
}
