// A real SMTP server in-process on a loopback port (smtp-server), for tests of the mail path. It
// keeps every message it accepts, parsed with postal-mime, and can be told to refuse mail with a
// temporary (4xx) or permanent (5xx) reply, at RCPT TO or after DATA.
import type { AddressInfo } from 'node:net';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: string;
  parsed: Email;
  /** The X-Roster-Email-Id header: the outbox row the message came from. */
  emailId?: string;
  /** The name the client gave in EHLO/HELO (nodemailer's `name` option, e.g. ?name= in SMTP_URL). */
  clientHostname?: string;
}

export interface Refusal {
  code: number;
  message?: string;
  /** 'rcpt' refuses the recipient, 'data' the message once received; default 'data'. */
  at?: 'rcpt' | 'data';
}

export interface TestSmtpServer {
  /** smtp://127.0.0.1:<port> */
  url: string;
  /** Messages accepted, in order. */
  received: ReceivedMail[];
  /** How many messages were refused. */
  refusedCount: number;
  /** Refuses every message from now on with this reply, or accepts again with null. */
  refuse(refusal: Refusal | null): void;
  /** Called for each accepted message before the server answers 250. */
  onMessage(handler: ((mail: ReceivedMail) => void | Promise<void>) | null): void;
  close(): Promise<void>;
}

function smtpError(refusal: Refusal): Error {
  const error = new Error(refusal.message ?? `Refused by the test server (${refusal.code})`);
  (error as Error & { responseCode: number }).responseCode = refusal.code;
  return error;
}

export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  let refusal: Refusal | null = null;
  let handler: ((mail: ReceivedMail) => void | Promise<void>) | null = null;
  const state = { received: [] as ReceivedMail[], refusedCount: 0 };

  const server = new SMTPServer({
    authOptional: true,
    // No STARTTLS: nodemailer would upgrade to TLS with the server's self-signed test certificate.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (refusal && refusal.at === 'rcpt') {
        state.refusedCount += 1;
        return callback(smtpError(refusal));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        void (async () => {
          if (refusal && (refusal.at ?? 'data') === 'data') {
            state.refusedCount += 1;
            return callback(smtpError(refusal));
          }
          const raw = Buffer.concat(chunks);
          const parsed = await PostalMime.parse(raw);
          const mail: ReceivedMail = {
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: raw.toString('utf8'),
            parsed,
            emailId: parsed.headers.find((header) => header.key === 'x-roster-email-id')?.value,
            clientHostname: session.hostNameAppearsAs,
          };
          state.received.push(mail);
          await handler?.(mail);
          callback();
        })().catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    get received() {
      return state.received;
    },
    get refusedCount() {
      return state.refusedCount;
    },
    refuse(next) {
      refusal = next;
    },
    onMessage(next) {
      handler = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
