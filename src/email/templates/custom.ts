// Custom templates chosen by an invitation's templateId: JSON files in EMAIL_TEMPLATES_DIR named
// `<templateId>.<locale>.json`, else `<templateId>.json`, holding { subject, html, text } with
// `{{placeholder}}`s. Every value is escaped for HTML in `html` (there is no raw form) and made one
// line in `subject`. Files are read at each send, so edits apply without a restart.
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { RenderedEmail } from './builtin.ts';
import { escapeHtml, headerSafe } from './escape.ts';
import type { TemplateValues } from './values.ts';

const customTemplateSchema = z.object({
  subject: z.string().min(1),
  html: z.string().min(1),
  text: z.string().min(1),
});
export type CustomTemplate = z.infer<typeof customTemplateSchema>;

/** Template ids are file name stems: no separators, dots or traversal. */
const TEMPLATE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export type CustomTemplateLookup =
  { found: true; template: CustomTemplate; file: string } | { found: false; reason: string };

/** Names a template file may have for a locale, most specific first. */
function candidateFiles(templateId: string, locale: string): string[] {
  const names = [`${templateId}.${locale}.json`];
  if (locale.includes('_')) names.push(`${templateId}.${locale.replace('_', '-')}.json`);
  names.push(`${templateId}.json`);
  return names;
}

export async function loadCustomTemplate(
  dir: string | undefined,
  templateId: string,
  locale: string,
): Promise<CustomTemplateLookup> {
  if (!dir) return { found: false, reason: 'EMAIL_TEMPLATES_DIR is not set' };
  if (!TEMPLATE_ID.test(templateId)) return { found: false, reason: 'invalid template id' };
  for (const name of candidateFiles(templateId, locale)) {
    const file = path.join(dir, name);
    let content: string;
    try {
      content = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return { found: false, reason: `cannot read ${file}: ${(error as Error).message}` };
    }
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch (error) {
      return { found: false, reason: `${file} is not JSON: ${(error as Error).message}` };
    }
    const parsed = customTemplateSchema.safeParse(json);
    if (!parsed.success) {
      return { found: false, reason: `${file} needs string fields subject, html and text` };
    }
    return { found: true, template: parsed.data, file };
  }
  return { found: false, reason: 'no template file for this id' };
}

/**
 * The placeholders a custom template may use. Unknown or missing ones become empty, as in
 * Mustache.
 */
export function customTemplateVariables(values: TemplateValues): Record<string, string> {
  const variables: Record<string, string | undefined> = {
    organizationName: values.organization,
    inviterName: values.inviterName,
    inviterEmail: values.inviterEmail,
    inviter: values.inviter,
    recipientName: values.recipient,
    recipientEmail: values.recipientEmail,
    roles: values.roles,
    link: values.link,
    expiresAt: values.expiresAt,
    expiresIn: values.expiresIn,
  };
  return Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, value ?? '']));
}

function substitute(
  template: string,
  variables: Record<string, string>,
  encode: (value: string) => string,
): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_match, name: string) =>
    encode(Object.hasOwn(variables, name) ? (variables[name] ?? '') : ''),
  );
}

export function renderCustom(template: CustomTemplate, values: TemplateValues): RenderedEmail {
  const variables = customTemplateVariables(values);
  return {
    subject: headerSafe(substitute(template.subject, variables, (value) => value)),
    html: substitute(template.html, variables, escapeHtml),
    text: substitute(template.text, variables, (value) => value),
  };
}
