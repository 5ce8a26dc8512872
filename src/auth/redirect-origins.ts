// Where links carrying a token (invitations, sign-in links) may point. The server's configuration
// (REDIRECT_ORIGINS) bounds every organization; an organization may narrow it further with its own
// allowedRedirectOrigins. Every redirect URL is checked against both when a link is made, and again
// when its mail is delivered, so a token never travels to an origin nobody registered in advance.
import { RedirectUrlNotAllowedError, ValidationError } from '../errors.ts';

/** An allowed origin: exact (`https://app.example.com`) or any port (`http://localhost:*`). */
interface OriginPattern {
  protocol: 'http:' | 'https:';
  hostname: string;
  /** The port as URL.port has it ('' for the scheme's default), or '*' for any. */
  port: string;
}

/** Used when REDIRECT_ORIGINS is unset outside production: loopback addresses on any port. */
export const DEVELOPMENT_REDIRECT_ORIGINS = [
  'http://localhost:*',
  'http://127.0.0.1:*',
  'http://[::1]:*',
] as const;

const PATTERN = /^(https?):\/\/([^/?#:@*[\]]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}|\*))?\/?$/;

/** Parses `scheme://host[:port|:*]`; throws a plain Error naming the entry otherwise. */
function parsePattern(entry: string): OriginPattern {
  const match = PATTERN.exec(entry.trim());
  if (!match) {
    throw new Error(
      `"${entry}" is not an origin: use scheme://host or scheme://host:port (http or https), or scheme://host:* for any port`,
    );
  }
  const [, scheme, host, port] = match;
  const url = new URL(`${scheme}://${host}${port && port !== '*' ? `:${port}` : ''}`);
  return {
    protocol: url.protocol as OriginPattern['protocol'],
    hostname: url.hostname,
    port: port === '*' ? '*' : url.port,
  };
}

function render(pattern: OriginPattern): string {
  const host = `${pattern.protocol}//${pattern.hostname}`;
  return pattern.port ? `${host}:${pattern.port}` : host;
}

/**
 * REDIRECT_ORIGINS as configured: comma-separated origins. Unset means the loopback origins in
 * development and test, and none in production (every link then needs it configured).
 */
export function redirectOriginsFromEnv(
  value: string | undefined,
  nodeEnv: string | undefined,
): string[] {
  if (value === undefined) {
    return nodeEnv === 'production' ? [] : [...DEVELOPMENT_REDIRECT_ORIGINS];
  }
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.map((entry) => render(parsePattern(entry)));
}

let configured: OriginPattern[] | undefined;

/** Sets the server's allowed origins (src/server.ts, from the configuration). */
export function setRedirectOrigins(origins: readonly string[]): void {
  configured = origins.map(parsePattern);
}

function configuredPatterns(): OriginPattern[] {
  // Until the server sets them (tests, the CLI), the same rule as the configuration's.
  configured ??= redirectOriginsFromEnv(process.env.REDIRECT_ORIGINS, process.env.NODE_ENV).map(
    parsePattern,
  );
  return configured;
}

function matches(pattern: OriginPattern, url: URL): boolean {
  return (
    pattern.protocol === url.protocol &&
    pattern.hostname === url.hostname &&
    (pattern.port === '*' || pattern.port === url.port)
  );
}

/** The origin of an absolute http(s) URL, or null for anything else. */
function urlOf(value: string): URL | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** Whether the server's configuration allows an origin (or the origin of a URL). */
export function isConfiguredOrigin(value: string): boolean {
  const url = urlOf(value);
  return url !== null && configuredPatterns().some((pattern) => matches(pattern, url));
}

/** The settings of an organization that decide where its links may point. */
export interface RedirectSettings {
  allowedRedirectOrigins: readonly string[];
}

/**
 * Whether a link may point to `value`: its origin is allowed by the configuration and, when the
 * organization lists its own origins, is one of them.
 */
export function isRedirectAllowed(value: string, organization: RedirectSettings): boolean {
  const url = urlOf(value);
  if (!url || !isConfiguredOrigin(value)) return false;
  const own = organization.allowedRedirectOrigins;
  return own.length === 0 || own.includes(url.origin);
}

/** Throws RedirectUrlNotAllowedError unless a link may point to `value`. */
export function assertRedirectAllowed(value: string, organization: RedirectSettings): void {
  if (!isRedirectAllowed(value, organization)) {
    throw new RedirectUrlNotAllowedError(urlOf(value)?.origin ?? value);
  }
}

/**
 * An organization's own list, as origins (a URL's path is dropped), each within the
 * configuration; RedirectUrlNotAllowedError for one outside it, ValidationError for a non-URL.
 */
export function organizationRedirectOrigins(values: readonly string[], field: string): string[] {
  const origins = values.map((value, index) => {
    const url = urlOf(value);
    if (!url) {
      throw new ValidationError(`${field}.${index}`, `"${value}" is not an http(s) origin`);
    }
    if (!isConfiguredOrigin(url.origin)) throw new RedirectUrlNotAllowedError(url.origin);
    return url.origin;
  });
  return [...new Set(origins)];
}
