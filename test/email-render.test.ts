import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger } from '../src/logger.ts';
import { renderEmail, type RenderableEmail } from '../src/email/render.ts';

const EXPIRES_AT = '2026-11-21T09:30:00.000Z';
const NOW = new Date('2026-11-14T09:30:00.000Z'); // seven days before
const LINK = 'https://app.example.com/accept?token=tok_abc123&redirect=1';

function invitation(overrides: Partial<RenderableEmail> = {}): RenderableEmail {
  return {
    kind: 'INVITATION',
    locale: 'en',
    templateId: null,
    toAddress: 'bob@example.com',
    secret: LINK,
    payload: {
      organizationName: 'Acme Corp',
      inviterName: 'Jane Doe',
      inviterEmail: 'jane@acme.test',
      recipientName: 'Bob',
      roles: ['admin', 'billing'],
      expiresAt: EXPIRES_AT,
    },
    ...overrides,
  };
}

/** Intl puts (narrow) no-break spaces in dates; compare with plain spaces. */
const plain = (value: string) => value.replace(/\s/gu, ' ');

// What each locale must say about the expiry of EXPIRES_AT seen from NOW.
const LOCALES = [
  { locale: 'en', date: 'November 21, 2026', left: 'in 7 days', admin: 'admin' },
  {
    locale: 'es',
    date: '21 de noviembre de 2026',
    left: 'dentro de 7 días',
    admin: 'administrador',
  },
  { locale: 'fr', date: '21 novembre 2026', left: 'dans 7 jours', admin: 'administrateur' },
  { locale: 'pt_br', date: '21 de novembro de 2026', left: 'em 7 dias', admin: 'administrador' },
] as const;

describe('built-in invitation and sign-in templates', () => {
  it.each(LOCALES)(
    'the $locale invitation names the organization, inviter, roles, link and expiry',
    async ({ locale, date, left, admin }) => {
      const mail = await renderEmail(invitation({ locale }), { now: NOW });
      expect(mail.subject).toContain('Acme Corp');
      expect(mail.subject).toContain('Jane Doe');
      for (const body of [mail.text, mail.html].map(plain)) {
        expect(body).toContain('Acme Corp');
        expect(body).toContain('Jane Doe');
        expect(body).toContain('Bob');
        expect(body).toContain(admin);
        expect(body).toContain('billing');
        expect(body).toContain(date);
        expect(body).toContain('09:30');
        expect(body).toContain('UTC');
        expect(body).toContain(left);
      }
      expect(mail.text).toContain(LINK);
      // In HTML the link is an attribute and text, with its & escaped.
      expect(mail.html).toContain(`href="${LINK.replace('&', '&amp;')}"`);
      expect(mail.html).not.toContain(LINK);
      expect(mail.html).toContain(`lang="${locale === 'pt_br' ? 'pt-BR' : locale}"`);
    },
  );

  it.each(LOCALES)(
    'the $locale sign-in mail names the organization, link and expiry',
    async ({ locale, date, left }) => {
      const mail = await renderEmail(
        {
          kind: 'SIGN_IN_LINK',
          locale,
          secret: 'https://app.example.com/sign-in?token=sil_xyz',
          payload: { organizationName: 'Acme Corp', recipientName: 'Bob', expiresAt: EXPIRES_AT },
        },
        { now: NOW },
      );
      expect(mail.subject).toContain('Acme Corp');
      for (const body of [mail.text, mail.html].map(plain)) {
        expect(body).toContain('Acme Corp');
        expect(body).toContain('Bob');
        expect(body).toContain('https://app.example.com/sign-in?token=sil_xyz');
        expect(body).toContain(date);
        expect(body).toContain(left);
      }
    },
  );

  it('words the invitation without an inviter when there is none', async () => {
    const mail = await renderEmail(
      invitation({
        payload: { organizationName: 'Acme Corp', roles: ['member'], expiresAt: EXPIRES_AT },
      }),
      { now: NOW },
    );
    expect(mail.subject).toBe('You are invited to join Acme Corp');
    expect(mail.text).toContain('You have been invited to join Acme Corp.');
    expect(mail.text).toContain('Hi,');
    for (const body of [mail.subject, mail.text, mail.html]) {
      expect(body).not.toMatch(/undefined|null|\(\)/);
    }
  });

  it('counts the time left in hours when less than a day and a half remains', async () => {
    const mail = await renderEmail(invitation(), { now: new Date('2026-11-21T04:30:00.000Z') });
    expect(mail.text).toContain('in 5 hours');
  });

  it('escapes markup from names and metadata in the HTML', async () => {
    const mail = await renderEmail(
      invitation({
        payload: {
          organizationName: 'Acme "<b>" & Co',
          inviterName: '<script>alert(1)</script>',
          recipientName: '<img src=x onerror=alert(2)>',
          roles: ['<i>role</i>'],
          expiresAt: EXPIRES_AT,
        },
      }),
      { now: NOW },
    );
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).not.toContain('<i>');
    expect(mail.html).not.toContain('<b>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).toContain('Acme &quot;&lt;b&gt;&quot; &amp; Co');
  });

  it('keeps the subject on one line whatever the names contain', async () => {
    const mail = await renderEmail(
      invitation({
        payload: {
          organizationName: 'Acme\r\nBcc: victim@example.com',
          inviterName: 'Jane\nDoe',
          expiresAt: EXPIRES_AT,
        },
      }),
      { now: NOW },
    );
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toBe('Jane Doe invited you to join Acme Bcc: victim@example.com');
  });

  it('does not make a script link clickable', async () => {
    const mail = await renderEmail(invitation({ secret: 'javascript:alert(1)' }), { now: NOW });
    expect(mail.html).not.toContain('href="javascript');
  });

  it('refuses to render a message whose link was erased', async () => {
    await expect(renderEmail(invitation({ secret: null }))).rejects.toThrow(/no link/);
  });
});

describe('custom templates by templateId', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roster-templates-'));
    await fs.writeFile(
      path.join(dir, 'welcome.fr.json'),
      JSON.stringify({
        subject: 'Bienvenue chez {{organizationName}}',
        html: '<p>{{ inviterName }} vous attend : <a href="{{link}}">rejoindre</a> avant {{expiresAt}} {{unknown}}</p>',
        text: '{{inviterName}} vous attend : {{link}}',
      }),
    );
    await fs.writeFile(
      path.join(dir, 'welcome.json'),
      JSON.stringify({
        subject: 'Welcome to {{organizationName}}\n',
        html: '<p>Hello {{recipientName}}, {{inviterName}} invited you as {{roles}}: {{link}}</p>',
        text: 'Hello {{recipientName}}: {{link}}',
      }),
    );
    await fs.writeFile(path.join(dir, 'broken.json'), '{ "subject": "only a subject" }');
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('uses the file for the locale and escapes every value in its HTML', async () => {
    const mail = await renderEmail(
      invitation({
        locale: 'fr',
        templateId: 'welcome',
        payload: {
          organizationName: 'Acme',
          inviterName: '<script>x</script>',
          expiresAt: EXPIRES_AT,
        },
      }),
      { templatesDir: dir, now: NOW },
    );
    expect(mail.subject).toBe('Bienvenue chez Acme');
    expect(mail.html).toContain('&lt;script&gt;x&lt;/script&gt; vous attend');
    expect(mail.html).toContain(`href="${LINK.replace('&', '&amp;')}"`);
    expect(plain(mail.html)).toContain('21 novembre 2026');
    expect(mail.html).not.toContain('{{');
    expect(mail.text).toBe(`<script>x</script> vous attend : ${LINK}`);
  });

  it('falls back to <templateId>.json for a locale without its own file', async () => {
    const mail = await renderEmail(invitation({ locale: 'es', templateId: 'welcome' }), {
      templatesDir: dir,
      now: NOW,
    });
    expect(mail.subject).toBe('Welcome to Acme Corp');
    expect(mail.text).toBe(`Hello Bob: ${LINK}`);
    expect(mail.html).toContain('as administrador y billing');
  });

  it.each([
    ['an unknown id', 'no-such-template'],
    ['an invalid file', 'broken'],
    ['an id that tries to leave the folder', '../welcome'],
  ])('falls back to the built-in template and warns for %s', async (_case, templateId) => {
    const warn = vi.spyOn(logger, 'warn');
    try {
      const custom = await renderEmail(invitation({ templateId }), { templatesDir: dir, now: NOW });
      const builtin = await renderEmail(invitation(), { now: NOW });
      expect(custom).toEqual(builtin);
      expect(warn).toHaveBeenCalledWith(
        expect.objectContaining({ templateId }),
        expect.stringContaining('built-in template'),
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('falls back when no template folder is configured', async () => {
    const mail = await renderEmail(invitation({ templateId: 'welcome' }), { now: NOW });
    expect(mail.subject).toBe('Jane Doe invited you to join Acme Corp');
  });
});
