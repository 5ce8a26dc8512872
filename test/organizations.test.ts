import { describe, expect, it } from 'vitest';
import { globalId, newApiKey, newMember, newOrganization, uniqueSlug } from './helpers/fixtures.ts';
import { useTestServer } from './helpers/server.ts';

const server = useTestServer();

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      __typename
      ... on OrganizationPayload {
        organization {
          id
          slug
          name
          externalId
          settings {
            seatLimit
            invitePolicy
            defaultRedirectUrl
          }
        }
      }
      ... on Error {
        message
        code
      }
      ... on ValidationError {
        field
      }
    }
  }
`;

describe('createOrganization', () => {
  it('creates an organization with an API key', async () => {
    const key = await newApiKey();
    const slug = uniqueSlug();
    const res = await server.gql(
      CREATE,
      {
        input: {
          name: 'Acme',
          slug,
          externalId: `ext-${slug}`,
          settings: { seatLimit: 5, defaultRedirectUrl: 'https://acme.test/join' },
        },
      },
      key,
    );
    expect(res.errors).toBeUndefined();
    const result = res.data!.createOrganization;
    expect(result.__typename).toBe('OrganizationPayload');
    expect(result.organization).toMatchObject({
      slug,
      name: 'Acme',
      externalId: `ext-${slug}`,
      settings: {
        seatLimit: 5,
        invitePolicy: 'ALL_ALLOWED',
        defaultRedirectUrl: 'https://acme.test/join',
      },
    });
  });

  it('rejects a duplicate slug with ConflictError', async () => {
    const key = await newApiKey();
    const slug = uniqueSlug();
    await server.gql(CREATE, { input: { name: 'A', slug } }, key);
    const res = await server.gql(CREATE, { input: { name: 'B', slug } }, key);
    expect(res.data!.createOrganization.__typename).toBe('ConflictError');
  });

  it('rejects a bad slug with ValidationError naming the field', async () => {
    const key = await newApiKey();
    const res = await server.gql(CREATE, { input: { name: 'A', slug: 'Not A Slug' } }, key);
    expect(res.data!.createOrganization).toMatchObject({
      __typename: 'ValidationError',
      field: 'input.slug',
    });
  });

  it('is refused to member sessions and anonymous callers', async () => {
    const org = await newOrganization();
    const owner = await newMember(org.id, ['owner']);
    const asOwner = await server.gql(
      CREATE,
      { input: { name: 'A', slug: uniqueSlug() } },
      owner.token,
    );
    expect(asOwner.data!.createOrganization.__typename).toBe('ForbiddenError');
    const anonymous = await server.gql(CREATE, { input: { name: 'A', slug: uniqueSlug() } });
    expect(anonymous.data!.createOrganization.__typename).toBe('ForbiddenError');
  });
});

describe('organization query', () => {
  const QUERY = /* GraphQL */ `
    query Org($by: OrganizationRef) {
      organization(by: $by) {
        __typename
        ... on Organization {
          id
          slug
        }
        ... on Error {
          code
        }
      }
    }
  `;

  it('finds an organization by id, slug and external id', async () => {
    const key = await newApiKey();
    const org = await newOrganization({ externalId: `ext-${uniqueSlug()}` });
    for (const by of [
      { id: globalId('Organization', org.id) },
      { slug: org.slug },
      { externalId: org.externalId },
    ]) {
      const res = await server.gql(QUERY, { by }, key);
      expect(res.data!.organization).toMatchObject({ __typename: 'Organization', slug: org.slug });
    }
  });

  it('answers NotFoundError for an unknown slug', async () => {
    const key = await newApiKey();
    const res = await server.gql(QUERY, { by: { slug: 'no-such-org' } }, key);
    expect(res.data!.organization.__typename).toBe('NotFoundError');
  });

  it('gives a member session its own organization and nothing else', async () => {
    const mine = await newOrganization();
    const other = await newOrganization();
    const member = await newMember(mine.id, ['member']);
    const own = await server.gql(QUERY, {}, member.token);
    expect(own.data!.organization).toMatchObject({ __typename: 'Organization', slug: mine.slug });
    const theirs = await server.gql(QUERY, { by: { slug: other.slug } }, member.token);
    expect(theirs.data!.organization.__typename).toBe('ForbiddenError');
  });

  it('rejects two ways of naming an organization at once (oneOf)', async () => {
    const key = await newApiKey();
    const org = await newOrganization();
    const res = await server.gql(QUERY, { by: { slug: org.slug, externalId: 'x' } }, key);
    expect(res.errors?.[0]?.message).toMatch(/exactly one key/i);
  });
});
