import type { LocaleMessages } from '../messages.ts';

export const en: LocaleMessages = {
  tag: 'en',
  greeting: 'Hi {recipient},',
  greetingNoName: 'Hi,',
  linkHelp: 'If the button does not work, copy and paste this link into your browser:',
  organizationFallback: 'your organization',
  roleNames: { owner: 'owner', admin: 'admin', member: 'member' },
  invitation: {
    subject: '{inviter} invited you to join {organization}',
    subjectNoInviter: 'You are invited to join {organization}',
    intro: '{inviter} has invited you to join {organization}.',
    introNoInviter: 'You have been invited to join {organization}.',
    roles: 'You will join as {roles}.',
    action: 'Accept invitation',
    expiry: 'This invitation expires on {expiresAt} ({expiresIn}).',
    ignore: 'If you were not expecting this invitation, you can ignore this email.',
  },
  signInLink: {
    subject: 'Sign in to {organization}',
    intro: 'Use the button below to sign in to {organization}.',
    action: 'Sign in',
    expiry: 'This link expires on {expiresAt} ({expiresIn}) and works only once.',
    ignore: 'If you did not ask to sign in, you can ignore this email.',
  },
};
