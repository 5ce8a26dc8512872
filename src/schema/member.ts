// Member: the type and its relations. Root fields and mutations for members live below it.
import { builder } from '../builder.ts';

export const MemberStatus = builder.enumType('MemberStatus', {
  values: {
    INVITED: { description: 'Invited; becomes ACTIVE when the invitation is accepted.' },
    ACTIVE: { description: 'A full member.' },
    DEACTIVATED: { description: 'Removed; can be reactivated.' },
  } as const,
});

export const Member = builder.prismaNode('Member', {
  id: { field: 'id' },
  description: 'A person in an organization.',
  authScopes: (member) => ({
    permission: { organizationId: member.organizationId, permission: 'member:read' },
  }),
  fields: (t) => ({
    email: t.expose('email', { type: 'EmailAddress' }),
    name: t.exposeString('name', { nullable: true }),
    status: t.expose('status', { type: MemberStatus }),
    roles: t.exposeStringList('roles', {
      description: 'Role keys: owner, admin, member or custom.',
    }),
    trustedMetadata: t.expose('trustedMetadata', {
      type: 'JSONObject',
      description: 'Written only with an API key.',
    }),
    untrustedMetadata: t.expose('untrustedMetadata', {
      type: 'JSONObject',
      description: 'The member may write its own.',
    }),
    hasRestrictedAccess: t.exposeBoolean('hasRestrictedAccess', {
      description: 'When true, the member sees only restrictedResourceIds.',
    }),
    restrictedResourceIds: t.exposeStringList('restrictedResourceIds'),
    organization: t.relation('organization'),
    invitedBy: t.relation('invitedBy', {
      nullable: true,
      description: 'The member who invited this one.',
    }),
    activatedAt: t.expose('activatedAt', { type: 'DateTime', nullable: true }),
    deactivatedAt: t.expose('deactivatedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});
