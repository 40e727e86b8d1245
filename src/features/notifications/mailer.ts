import { createTransport } from 'nodemailer';

/** What the notifications feature needs to send a mail; an SMTP server in production and tests. */
export interface Mailer {
  send(mail: { to: string; subject: string; text: string }): Promise<void>;
  close(): void;
}

export interface SmtpSettings {
  /** smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps:// (TLS from the start). */
  url: string;
  /** The From address of every mail. */
  from: string;
}

/**
 * An SMTP mailer over nodemailer. Timeouts are short so a dead relay fails the attempt (it is
 * retried with backoff) instead of holding the delivery job.
 */
export function smtpMailer(settings: SmtpSettings): Mailer {
  const transport = createTransport({
    url: settings.url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      await transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => transport.close(),
  };
}
