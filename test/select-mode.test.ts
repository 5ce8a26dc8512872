// Member and Invitation are plugin-prisma select-mode types: a page reads only the columns its
// fields ask for. Two things must hold for that to be a saving and not a cost elsewhere:
// - a mutation's payload returns the row its service read whole, with no query plan behind it:
//   asking it every column field must cost no statement more than asking its id;
// - a page asking many columns answers them from the page's own statement (no statement per row).
import { describe, expect, it } from 'vitest';
import { prisma } from '../src/db.ts';
import { globalId, newApiKey, newMember, newMembers, newOrganization } from './helpers/fixtures.ts';
import { orgRef, randomEmail } from './helpers/invitations.ts';
import { useTestServer } from './helpers/server.ts';
import { statementsDuring } from './helpers/statements.ts';

const server = useTestServer();

const MEMBER_COLUMNS = `
  id email name status roles trustedMetadata untrustedMetadata hasRestrictedAccess
  restrictedResourceIds activatedAt deactivatedAt createdAt updatedAt
`;

const INVITATION_COLUMNS = `
  id email name roles status expiresAt redirectUrl templateId locale notify trustedMetadata
  untrustedMetadata hasRestrictedAccess restrictedResourceIds invitedByApiKey sendCount lastSentAt
  acceptedAt declinedAt revokedAt expiredAt createdAt updatedAt
`;

const updateMember = (fields: string) => /* GraphQL */ `
  mutation Update($input: UpdateMemberInput!) {
    updateMember(input: $input) {
      __typename
      ... on UpdateMemberPayload { member { ${fields} } }
      ... on Error { message }
    }
  }
`;

const invite = (fields: string) => /* GraphQL */ `
  mutation Invite($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      __typename
      ... on InviteMemberPayload { invitation { ${fields} } member { ${MEMBER_COLUMNS} } }
      ... on Error { message }
    }
  }
`;

const PAGE = /* GraphQL */ `
  query Page($id: ID!, $first: Int!) {
    organization(by: { id: $id }) {
      ... on Organization {
        members(first: $first) { edges { node { ${MEMBER_COLUMNS} } } }
        invitations(first: $first) { edges { node { ${INVITATION_COLUMNS} } } }
      }
    }
  }
`;

describe('select mode on Member and Invitation', () => {
  it("a mutation's payload answers every column field from the row its service returned", async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const target = await newMember(org.id, ['member']);
    const input = (name: string) => ({
      input: { id: globalId('Member', target.id), name, untrustedMetadata: { n: name } },
    });

    // Warm-up, then the id alone against every column.
    expect((await server.gql(updateMember('id'), input('a'), key)).errors).toBeUndefined();
    const idOnly = await statementsDuring(async () => {
      const res = await server.gql(updateMember('id'), input('b'), key);
      expect(res.data!.updateMember.__typename).toBe('UpdateMemberPayload');
    });
    let everything: Record<string, unknown> | undefined;
    const all = await statementsDuring(async () => {
      const res = await server.gql(updateMember(MEMBER_COLUMNS), input('c'), key);
      expect(res.errors).toBeUndefined();
      everything = res.data!.updateMember.member;
    });
    expect(all).toBe(idOnly);
    const row = await prisma.member.findUniqueOrThrow({ where: { id: target.id } });
    expect(everything).toMatchObject({
      name: 'c',
      email: row.email,
      status: 'ACTIVE',
      roles: ['member'],
      untrustedMetadata: { n: 'c' },
      trustedMetadata: {},
      hasRestrictedAccess: false,
      restrictedResourceIds: [],
      activatedAt: row.activatedAt!.toISOString(),
      deactivatedAt: null,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    });

    const inviteInput = () => ({
      input: { organization: orgRef(org.id), email: randomEmail(), notify: true },
    });
    expect((await server.gql(invite('id'), inviteInput(), key)).errors).toBeUndefined();
    const inviteIdOnly = await statementsDuring(async () => {
      const res = await server.gql(invite('id'), inviteInput(), key);
      expect(res.data!.inviteMember.__typename).toBe('InviteMemberPayload');
    });
    let invitation: Record<string, unknown> | undefined;
    const inviteAll = await statementsDuring(async () => {
      const res = await server.gql(invite(INVITATION_COLUMNS), inviteInput(), key);
      expect(res.errors).toBeUndefined();
      expect(res.data!.inviteMember.__typename).toBe('InviteMemberPayload');
      invitation = res.data!.inviteMember.invitation;
    });
    expect(inviteAll).toBe(inviteIdOnly);
    expect(invitation).toMatchObject({
      status: 'PENDING',
      redirectUrl: 'https://app.example.com/accept',
      notify: true,
      invitedByApiKey: true,
      sendCount: 1,
      trustedMetadata: {},
      acceptedAt: null,
    });

    // What the returned row lacks (its latest mail, its member as a relation) is still read.
    const withRelations = await server.gql(
      invite('id delivery { status attempts } member { status email }'),
      inviteInput(),
      key,
    );
    expect(withRelations.errors).toBeUndefined();
    expect(withRelations.data!.inviteMember.invitation).toMatchObject({
      delivery: { status: 'QUEUED', attempts: 0 },
      member: { status: 'INVITED' },
    });
  });

  it('a page asking every column reads them with the page, whatever its size', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    await newMembers(
      org.id,
      Array.from({ length: 30 }, () => ({
        roles: ['member'],
        session: 'none' as const,
        invitedByMemberId: owner.id,
      })),
    );
    for (let i = 0; i < 5; i += 1) {
      const res = await server.gql(
        invite('id'),
        { input: { organization: orgRef(org.id), email: randomEmail(), notify: false } },
        key,
      );
      expect(res.data!.inviteMember.__typename).toBe('InviteMemberPayload');
    }
    const id = globalId('Organization', org.id);
    await server.gql(PAGE, { id, first: 2 }, key);
    let page: { members: { edges: unknown[] }; invitations: { edges: unknown[] } } | undefined;
    const small = await statementsDuring(() => server.gql(PAGE, { id, first: 2 }, key));
    const large = await statementsDuring(async () => {
      const res = await server.gql(PAGE, { id, first: 50 }, key);
      expect(res.errors).toBeUndefined();
      page = res.data!.organization;
    });
    expect(large).toBe(small);
    expect(page!.members.edges).toHaveLength(36); // 31, and the 5 INVITED ones
    expect(page!.invitations.edges).toHaveLength(5);
    expect(page!.invitations.edges[0]).toMatchObject({
      node: { notify: false, redirectUrl: 'https://app.example.com/accept', locale: 'EN' },
    });
  });
});
