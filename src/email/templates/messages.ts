// The built-in wording, one module per locale (./locales). Each message is plain text with
// `{placeholder}`s; the layout fills them and escapes the result for HTML (see ./layout.ts).
import type { EmailLocale } from '../outbox.ts';
import { en } from './locales/en.ts';
import { es } from './locales/es.ts';
import { fr } from './locales/fr.ts';
import { ptBr } from './locales/pt-br.ts';

/** Placeholders: {organization}, {inviter}, {recipient}, {roles}, {expiresAt}, {expiresIn}. */
export interface KindMessages {
  subject: string;
  /** Used when the message has no inviter (an API key invited without naming a member). */
  subjectNoInviter?: string;
  intro: string;
  introNoInviter?: string;
  /** Sentence naming the roles; left out when there are none. */
  roles?: string;
  action: string;
  expiry: string;
  ignore: string;
}

export interface LocaleMessages {
  /** BCP 47 language tag, for Intl formatting and `<html lang>`. */
  tag: string;
  greeting: string;
  greetingNoName: string;
  linkHelp: string;
  /** Stands in for a missing organization name. */
  organizationFallback: string;
  /** Display names of the built-in roles; custom role keys are shown as they are. */
  roleNames: Record<'owner' | 'admin' | 'member', string>;
  invitation: KindMessages;
  signInLink: KindMessages;
}

export const LOCALE_MESSAGES: Record<EmailLocale, LocaleMessages> = {
  en,
  es,
  fr,
  pt_br: ptBr,
};

export const EMAIL_LOCALES = Object.keys(LOCALE_MESSAGES) as EmailLocale[];

/** The messages for a locale; unknown locales get English. */
export function messagesFor(locale: string): LocaleMessages {
  return LOCALE_MESSAGES[locale as EmailLocale] ?? en;
}

/** Replaces `{name}` with vars[name] (empty when absent). The result is still plain text. */
export function fill(template: string, vars: Record<string, string | undefined>): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => vars[name] ?? '');
}
