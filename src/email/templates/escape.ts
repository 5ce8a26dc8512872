// Every value that reaches a message passes through here: names and metadata come from API callers
// and may hold markup or line breaks, so HTML output escapes them and headers lose control characters.

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

// C0 controls (CR, LF, tab…), DEL, C1 controls and the Unicode line/paragraph separators.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** One line of text: control characters (CR/LF included) become one space; ends trimmed. */
export function singleLine(value: string): string {
  return value.replace(CONTROL_CHARACTERS, ' ').replace(/ {2,}/g, ' ').trim();
}

/** A value safe for a mail header such as Subject: one line, at most `maxLength` characters. */
export function headerSafe(value: string, maxLength = 250): string {
  const line = singleLine(value);
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}

/**
 * Whether a link may become an href. The link is built by Roster from a validated redirect URL,
 * but script-bearing schemes are refused all the same; the link is then shown as text only.
 */
export function isSafeHref(link: string): boolean {
  return !/^\s*(javascript|vbscript|data):/i.test(link);
}
