import type { LocaleMessages } from '../messages.ts';

export const ptBr: LocaleMessages = {
  tag: 'pt-BR',
  greeting: 'Olá, {recipient}!',
  greetingNoName: 'Olá!',
  linkHelp: 'Se o botão não funcionar, copie e cole este link no seu navegador:',
  organizationFallback: 'sua organização',
  roleNames: { owner: 'proprietário', admin: 'administrador', member: 'membro' },
  invitation: {
    subject: '{inviter} convidou você para participar de {organization}',
    subjectNoInviter: 'Convite para participar de {organization}',
    intro: '{inviter} convidou você para participar de {organization}.',
    introNoInviter: 'Você recebeu um convite para participar de {organization}.',
    roles: 'Você entrará como {roles}.',
    action: 'Aceitar convite',
    expiry: 'Este convite expira em {expiresAt} ({expiresIn}).',
    ignore: 'Se você não esperava este convite, pode ignorar este e-mail.',
  },
  signInLink: {
    subject: 'Seu link de acesso a {organization}',
    intro: 'Use o botão abaixo para entrar em {organization}.',
    action: 'Entrar',
    expiry: 'Este link expira em {expiresAt} ({expiresIn}) e só pode ser usado uma vez.',
    ignore: 'Se você não pediu para entrar, pode ignorar este e-mail.',
  },
};
