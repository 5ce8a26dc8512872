// The built-in templates: the locale's wording (./messages.ts) in one shared layout, as HTML and as
// text. Each paragraph is filled as plain text and escaped as a whole for HTML, so no value, and no
// translation either, can add markup.
import type { QueuedEmail } from '../outbox.ts';
import { escapeHtml, headerSafe, isSafeHref } from './escape.ts';
import { fill, type KindMessages, type LocaleMessages } from './messages.ts';
import type { TemplateValues } from './values.ts';

type EmailKind = QueuedEmail['kind'];

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

function kindMessages(kind: EmailKind, messages: LocaleMessages): KindMessages {
  return kind === 'SIGN_IN_LINK' ? messages.signInLink : messages.invitation;
}

export function renderBuiltin(
  kind: EmailKind,
  messages: LocaleMessages,
  values: TemplateValues,
): RenderedEmail {
  const m = kindMessages(kind, messages);
  const vars = { ...values };
  const subjectTemplate = values.inviter ? m.subject : (m.subjectNoInviter ?? m.subject);
  // The subject names the inviter without the address; the body gives both.
  const subject = headerSafe(
    fill(subjectTemplate, { ...vars, inviter: values.inviterName ?? values.inviterEmail }),
  );
  const greeting = values.recipient ? fill(messages.greeting, vars) : messages.greetingNoName;
  const paragraphs = [
    values.inviter ? fill(m.intro, vars) : fill(m.introNoInviter ?? m.intro, vars),
    m.roles && values.roles ? fill(m.roles, vars) : undefined,
  ].filter((paragraph): paragraph is string => Boolean(paragraph));
  const expiry = values.expiresAt ? fill(m.expiry, vars) : undefined;
  const link = values.link;

  const text = [greeting, paragraphs.join(' '), `${m.action}\n${link}`, expiry, m.ignore]
    .filter((block): block is string => Boolean(block))
    .join('\n\n');

  const muted = 'margin:0 0 16px;font-size:14px;line-height:20px;color:#52525b;';
  const paragraph = 'margin:0 0 16px;';
  const button = isSafeHref(link)
    ? `<a href="${escapeHtml(link)}" style="display:inline-block;background:#18181b;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600;">${escapeHtml(m.action)}</a>`
    : `<strong>${escapeHtml(m.action)}</strong>`;
  const linkText = isSafeHref(link)
    ? `<a href="${escapeHtml(link)}" style="color:#2563eb;word-break:break-all;">${escapeHtml(link)}</a>`
    : `<span style="word-break:break-all;">${escapeHtml(link)}</span>`;
  const html = `<!doctype html>
<html lang="${escapeHtml(messages.tag)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f4f4f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;padding:24px 0;">
<tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;width:100%;background:#ffffff;border-radius:8px;">
<tr><td style="padding:32px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:24px;color:#18181b;">
<h1 style="margin:0 0 24px;font-size:20px;line-height:28px;">${escapeHtml(subject)}</h1>
<p style="${paragraph}">${escapeHtml(greeting)}</p>
${paragraphs.map((p) => `<p style="${paragraph}">${escapeHtml(p)}</p>`).join('\n')}
<p style="margin:24px 0;">${button}</p>
${expiry ? `<p style="${muted}">${escapeHtml(expiry)}</p>` : ''}
<p style="${muted}">${escapeHtml(messages.linkHelp)}<br>${linkText}</p>
<p style="${muted}">${escapeHtml(m.ignore)}</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
  return { subject, html, text };
}
