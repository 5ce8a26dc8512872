// The invitation lifecycle, split by concern under ./invitations/; import from here.
export {
  DEFAULT_EXPIRATION_MINUTES,
  EMAIL_INVITE_LIMIT,
  INVITES_PER_EMAIL_PER_HOUR,
  INVITES_PER_ORGANIZATION_PER_HOUR,
  MAX_BULK_INVITATIONS,
  ORGANIZATION_INVITE_LIMIT,
  acceptLink,
  minutesAfter,
  type InvitationRow,
  type MemberRow,
  type OrganizationRow,
  type SessionMemberRow,
  type SessionOrganizationRow,
} from './invitations/shared.ts';
export {
  inviteMember,
  inviteMembers,
  type InviteDefaults,
  type InviteMemberInput,
  type InviteResult,
} from './invitations/invite.ts';
export {
  expireInvitations,
  findInvitationOrganizationId,
  findInvitationTarget,
  resendInvitation,
  revokeInvitation,
} from './invitations/manage.ts';
export {
  acceptInvitation,
  asMember,
  declineInvitation,
  invitationByToken,
  type AcceptedInvitation,
  type InvitationPreview,
} from './invitations/tokens.ts';
