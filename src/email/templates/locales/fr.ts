import type { LocaleMessages } from '../messages.ts';

export const fr: LocaleMessages = {
  tag: 'fr',
  greeting: 'Bonjour {recipient},',
  greetingNoName: 'Bonjour,',
  linkHelp: 'Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :',
  organizationFallback: 'votre organisation',
  roleNames: { owner: 'propriétaire', admin: 'administrateur', member: 'membre' },
  invitation: {
    subject: '{inviter} vous invite à rejoindre {organization}',
    subjectNoInviter: 'Invitation à rejoindre {organization}',
    intro: '{inviter} vous invite à rejoindre {organization}.',
    introNoInviter: 'Vous avez reçu une invitation à rejoindre {organization}.',
    roles: 'Rôle(s) attribué(s) : {roles}.',
    action: 'Accepter l’invitation',
    expiry: 'Cette invitation expire le {expiresAt} ({expiresIn}).',
    ignore: 'Si vous n’attendiez pas cette invitation, vous pouvez ignorer cet e-mail.',
  },
  signInLink: {
    subject: 'Connexion à {organization}',
    intro: 'Utilisez le bouton ci-dessous pour vous connecter à {organization}.',
    action: 'Se connecter',
    expiry: 'Ce lien expire le {expiresAt} ({expiresIn}) et ne sert qu’une seule fois.',
    ignore: 'Si vous n’avez pas demandé à vous connecter, vous pouvez ignorer cet e-mail.',
  },
};
