// What a failed delivery may say about itself. lastError is readable by members (an invitation's
// delivery status), and it and the worker's log lines must never carry a link or a token. So the
// reason is classified from fields we trust (an SMTP reply code, the SMTP command, a network error
// code), never the mail server's free text, and whatever text remains passes through
// redactSecrets.
import { TOKEN_PREFIXES } from '../auth/tokens.ts';

const MAX_REASON_LENGTH = 200;

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]*/gi;
// Our own tokens (rk_, rs_, ri_, rl_ + base64url), even cut short or without a URL around them.
const TOKEN_PATTERN = new RegExp(
  `(?:${Object.values(TOKEN_PREFIXES).join('|')})[A-Za-z0-9_-]{8,}`,
  'g',
);
// token=… / secret=… pairs in anything that looks like a query string or a log line.
const SECRET_PARAMETER = /\b(token|secret|key|password|pass)=[^\s&"'<>]+/gi;

/** Text with every URL, token and secret-looking parameter replaced by a marker. */
export function redactSecrets(text: string): string {
  return text
    .replace(URL_PATTERN, '[url]')
    .replace(TOKEN_PATTERN, '[token]')
    .replace(SECRET_PARAMETER, '$1=[redacted]');
}

/** Nodemailer's error codes (error.code) and what they mean, without the server's own words. */
const NODEMAILER_CODES: Record<string, string> = {
  ECONNECTION: 'could not connect to the SMTP server',
  ETIMEDOUT: 'the SMTP server timed out',
  ESOCKET: 'the connection to the SMTP server failed',
  EDNS: 'the SMTP server name did not resolve',
  ETLS: 'TLS with the SMTP server failed',
  EAUTH: 'the SMTP server refused our credentials',
  EENVELOPE: 'the SMTP server refused the envelope',
  EMESSAGE: 'the SMTP server refused the message',
  EPROTOCOL: 'the SMTP server broke the protocol',
  ECONNREFUSED: 'the SMTP server refused the connection',
  ECONNRESET: 'the SMTP server reset the connection',
};

function stringField(error: unknown, name: string): string | undefined {
  const value = (error as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A short, classified reason for a failed delivery, safe to store in lastError and to log:
 * e.g. "SMTP 550 at RCPT TO: rejected (permanent)", "ECONNECTION: could not connect to the SMTP
 * server". Errors of our own (rendering, a missing secret) keep their message, redacted.
 */
export function deliveryFailureReason(error: unknown): string {
  const responseCode = (error as { responseCode?: unknown } | null)?.responseCode;
  const command = stringField(error, 'command');
  const safeCommand = command && /^[A-Z ]{1,20}$/.test(command) ? ` at ${command}` : '';
  if (typeof responseCode === 'number' && Number.isInteger(responseCode)) {
    const kind =
      responseCode >= 500
        ? 'rejected (permanent)'
        : responseCode >= 400
          ? 'deferred (temporary)'
          : 'unexpected reply';
    return `SMTP ${responseCode}${safeCommand}: ${kind}`;
  }
  const code = stringField(error, 'code');
  if (code && /^[A-Z0-9_]{2,40}$/.test(code)) {
    return `${code}${safeCommand}: ${NODEMAILER_CODES[code] ?? 'delivery failed'}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return redactSecrets(message).slice(0, MAX_REASON_LENGTH);
}
