// Where rendered mail goes: an SMTP server (nodemailer) when SMTP_URL is set, otherwise a local
// sink that writes each message to <DATA_DIR>/mail as an .eml file plus a .json summary (both
// readable by the server's user only) and logs where it put them, so a developer without SMTP can
// still follow every link. The link itself is never logged: logs travel further than files.
// nodemailer itself is loaded with the first message, so a server that sends none (EMAIL_WORKER=false,
// or nothing queued yet) does not carry its ~20 MB.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { Config } from '../config.ts';
import { logger as rootLogger, type Logger } from '../logger.ts';

export interface OutgoingEmail {
  /**
   * The outbox row id; sent as the X-Roster-Email-Id header, used to name sink files, and the
   * Message-ID's left part, so that every attempt at one row sends the same Message-ID.
   */
  id?: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** The link the mail carries; the sink writes it into its .json summary (never into a log). */
  link?: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'sink';
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  /** Closes pooled connections; call once the worker has stopped. */
  close(): Promise<void>;
}

/** A failure that retrying cannot fix; the worker marks the message FAILED at once. */
export class PermanentEmailError extends Error {
  readonly permanent = true;
}

/**
 * SMTP replies 5xx are permanent (RFC 5321 §4.2.1: the same command will fail again); 4xx and
 * network errors are temporary.
 */
export function isPermanentFailure(error: unknown): boolean {
  if (error instanceof PermanentEmailError) return true;
  const responseCode = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
}

/**
 * The Message-ID of an outbox row's mail: `<row id@domain of MAIL_FROM>`. Stable across retries
 * and processes, so a copy sent again after a crash is recognisably the same message.
 */
export function messageIdFor(emailId: string, from: string): string {
  const [sender] = addressparser(from, { flatten: true });
  const domain = sender?.address.split('@')[1]?.trim() || 'roster.invalid';
  return `<${emailId}@${domain}>`;
}

/** The nodemailer message for an email, the same for SMTP and for the sink. */
function message(from: string, email: OutgoingEmail) {
  return {
    from,
    ...(email.id ? { messageId: messageIdFor(email.id, from) } : {}),
    to: email.to,
    subject: email.subject,
    html: email.html,
    text: email.text,
    headers: {
      'Auto-Submitted': 'auto-generated',
      ...(email.id ? { 'X-Roster-Email-Id': email.id } : {}),
    },
  };
}

export interface SmtpTransportOptions {
  /** smtp://user:pass@host:587 or smtps://…; query parameters set nodemailer options (?pool=false). */
  url: string;
  from: string;
}

export function createSmtpTransport(options: SmtpTransportOptions): MailTransport {
  let transporter: Promise<Transporter> | undefined;
  const smtp = () =>
    (transporter ??= Promise.all([
      import('nodemailer'),
      import('nodemailer/lib/shared/index.js'),
    ]).then(([{ default: nodemailer }, { parseConnectionUrl }]) =>
      nodemailer.createTransport({
        // A pooled connection is reused across a batch. The timeouts bound how long a hung server
        // holds up a batch; the worker renews its claim meanwhile, so no other worker sends the mail.
        pool: true,
        maxConnections: 2,
        connectionTimeout: 15_000,
        greetingTimeout: 15_000,
        socketTimeout: 60_000,
        ...parseConnectionUrl(options.url),
      }),
    ));
  return {
    kind: 'smtp',
    async send(email) {
      const info = await (await smtp()).sendMail(message(options.from, email));
      return { messageId: info.messageId };
    },
    async close() {
      // Nothing to close when no message was sent.
      (await transporter)?.close();
    },
  };
}

export interface SinkTransportOptions {
  /** Folder for the .eml and .json files (created on first use). */
  dir: string;
  from: string;
  logger?: Logger;
}

export function createSinkTransport(options: SinkTransportOptions): MailTransport {
  // nodemailer's stream transport builds the same MIME message SMTP would carry, into a buffer.
  const newComposer = async () =>
    (await import('nodemailer')).default.createTransport({ streamTransport: true, buffer: true });
  let composer: ReturnType<typeof newComposer> | undefined;
  const compose = () => (composer ??= newComposer());
  const log = options.logger ?? rootLogger;
  return {
    kind: 'sink',
    async send(email) {
      const info = await (await compose()).sendMail(message(options.from, email));
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const base = path.join(
        options.dir,
        `${stamp}-${email.id ?? crypto.randomBytes(6).toString('hex')}`,
      );
      // The files hold live sign-in and invitation links: readable by the owner only. mkdir's mode
      // does not apply to a folder that already exists, so set it either way.
      await fs.mkdir(options.dir, { recursive: true, mode: 0o700 });
      await fs.chmod(options.dir, 0o700);
      await fs.writeFile(`${base}.eml`, info.message as Buffer, { mode: 0o600 });
      const summary = {
        id: email.id,
        messageId: info.messageId,
        date: new Date().toISOString(),
        from: options.from,
        to: email.to,
        subject: email.subject,
        link: email.link,
      };
      await fs.writeFile(`${base}.json`, `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
      log.info(
        { emailId: email.id, file: `${base}.eml` },
        'mail sink: message written (no SMTP_URL configured); the link is in the file',
      );
      return { messageId: info.messageId };
    },
    async close() {},
  };
}

/** The transport the configuration asks for: SMTP when SMTP_URL is set, else the local sink. */
export function createMailer(
  config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'dataDir'>,
  log: Logger = rootLogger,
): MailTransport {
  if (config.SMTP_URL) {
    const url = new URL(config.SMTP_URL);
    log.info({ host: url.hostname, port: url.port || undefined }, 'mail goes to SMTP');
    return createSmtpTransport({ url: config.SMTP_URL, from: config.MAIL_FROM });
  }
  const dir = path.join(config.dataDir, 'mail');
  log.info({ dir }, 'no SMTP_URL: mail is written to the local sink');
  return createSinkTransport({ dir, from: config.MAIL_FROM, logger: log });
}
