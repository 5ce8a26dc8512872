// From an outbox row to the message: the built-in template for its kind and locale, or the custom
// template its templateId names. A custom template that cannot be used is logged and replaced by
// the built-in one; rendering never fails a send.
import { logger } from '../logger.ts';
import { renderBuiltin, type RenderedEmail } from './templates/builtin.ts';
import { loadCustomTemplate, renderCustom } from './templates/custom.ts';
import { messagesFor } from './templates/messages.ts';
import { parsePayload, templateValues } from './templates/values.ts';
import type { QueuedEmail } from './outbox.ts';

export type { RenderedEmail };

/** The outbox columns rendering reads (an EmailOutbox row has them all). */
export interface RenderableEmail {
  id?: string;
  kind: QueuedEmail['kind'];
  locale: string;
  templateId?: string | null;
  payload: unknown;
  /** The link with the token. */
  secret: string | null;
  toAddress?: string;
}

export interface RenderOptions {
  /** EMAIL_TEMPLATES_DIR; without it every templateId falls back to the built-in template. */
  templatesDir?: string;
  /** The moment "expires in N days" counts from (default: now). */
  now?: Date;
}

export async function renderEmail(
  row: RenderableEmail,
  options: RenderOptions = {},
): Promise<RenderedEmail> {
  if (!row.secret) throw new Error('The email has no link to send (secret is empty)');
  const messages = messagesFor(row.locale);
  const values = templateValues(parsePayload(row.payload), {
    link: row.secret,
    to: row.toAddress,
    messages,
    now: options.now ?? new Date(),
  });
  if (row.templateId) {
    const lookup = await loadCustomTemplate(options.templatesDir, row.templateId, row.locale);
    if (lookup.found) return renderCustom(lookup.template, values);
    logger.warn(
      { emailId: row.id, templateId: row.templateId, locale: row.locale, reason: lookup.reason },
      'custom email template not usable; sending the built-in template',
    );
  }
  return renderBuiltin(row.kind, messages, values);
}
