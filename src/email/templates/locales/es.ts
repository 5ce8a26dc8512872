import type { LocaleMessages } from '../messages.ts';

export const es: LocaleMessages = {
  tag: 'es',
  greeting: 'Hola, {recipient}:',
  greetingNoName: 'Hola:',
  linkHelp: 'Si el botón no funciona, copia y pega este enlace en tu navegador:',
  organizationFallback: 'tu organización',
  roleNames: { owner: 'propietario', admin: 'administrador', member: 'miembro' },
  invitation: {
    subject: '{inviter} te ha invitado a unirte a {organization}',
    subjectNoInviter: 'Te han invitado a unirte a {organization}',
    intro: '{inviter} te ha invitado a unirte a {organization}.',
    introNoInviter: 'Te han invitado a unirte a {organization}.',
    roles: 'Te unirás como {roles}.',
    action: 'Aceptar la invitación',
    expiry: 'Esta invitación caduca el {expiresAt} ({expiresIn}).',
    ignore: 'Si no esperabas esta invitación, puedes ignorar este correo.',
  },
  signInLink: {
    subject: 'Inicia sesión en {organization}',
    intro: 'Usa el botón de abajo para iniciar sesión en {organization}.',
    action: 'Iniciar sesión',
    expiry: 'Este enlace caduca el {expiresAt} ({expiresIn}) y solo se puede usar una vez.',
    ignore: 'Si no has pedido iniciar sesión, puedes ignorar este correo.',
  },
};
