// The GraphQL operations the benchmark sends, shared with test/statement-count.test.ts so that the
// statements counted there are those of the requests timed here.

/** inviteMember with an API key: the payload's ids, or the error member that came instead. */
export const INVITE = /* GraphQL */ `
  mutation BenchInvite($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      __typename
      ... on InviteMemberPayload {
        acceptUrl
        invitation {
          id
          status
        }
        member {
          id
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`;

/** acceptInvitation by token, with no Authorization header. */
export const ACCEPT = /* GraphQL */ `
  mutation BenchAccept($token: String!) {
    acceptInvitation(token: $token) {
      __typename
      ... on AcceptInvitationPayload {
        session {
          token
        }
        member {
          id
          status
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`;

/**
 * What a member's frontend reads on load: the viewer, its organization, 50 members with their
 * roles, 50 invitations with their inviter and delivery state.
 */
export const SESSION_READ = /* GraphQL */ `
  query BenchSessionRead {
    viewer {
      kind
      member {
        id
        email
        name
        roles
      }
      organization {
        id
        name
        slug
        members(first: 50) {
          totalCount
          edges {
            node {
              id
              email
              name
              status
              roles
            }
          }
        }
        invitations(first: 50) {
          totalCount
          edges {
            node {
              id
              email
              status
              roles
              expiresAt
              invitedBy {
                id
                email
              }
              delivery {
                status
                attempts
                sentAt
              }
            }
          }
        }
      }
    }
  }
`;

/** An organization's first 20 invitations matching `filters`, with totalCount, or its error. */
const invitationsQuery = (name: string, variables: string, filters: string) => /* GraphQL */ `
  query ${name}(${variables}) {
    organization(by: { id: $id }) {
      __typename
      ... on Organization {
        invitations(first: 20, ${filters}) {
          totalCount
          edges {
            node {
              id
              email
              status
              expiresAt
            }
          }
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`;

/** The first page of an organization's pending invitations, with totalCount (API key). */
export const INVITATIONS_PAGE = invitationsQuery(
  'BenchInvitationsPage',
  '$id: ID!',
  'status: [PENDING]',
);

/** Invitations whose address contains a substring (a search box), with totalCount (API key). */
export const INVITATIONS_SEARCH = invitationsQuery(
  'BenchInvitationsSearch',
  '$id: ID!, $email: String!',
  'emailContains: $email',
);

export interface GraphQLBody {
  data?: Record<string, any> | null;
  errors?: { message: string }[];
}

export interface GraphQLClient {
  (query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLBody>;
}

/** GraphQL POSTs to `url` (over HTTP, or through `fetchFn`, e.g. an in-process Yoga's fetch). */
export function graphqlClient(
  url: string,
  fetchFn: (url: string, init: RequestInit) => Promise<Response> = fetch,
): GraphQLClient {
  return async (query, variables, token) => {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLBody;
  };
}

/** Why a session-read response is not the full page it should be, or null when it is. */
/** `pageSize` null: any page size will do (the statement log reads a small organization). */
export function sessionReadProblem(body: GraphQLBody, pageSize: number | null = 50): string | null {
  if (body.errors?.length) return `errors: ${body.errors[0]!.message}`;
  const viewer = body.data?.viewer;
  if (viewer?.kind !== 'MEMBER') return `viewer.kind ${String(viewer?.kind)}`;
  const organization = viewer.organization;
  if (!organization) return 'no organization';
  for (const list of ['members', 'invitations']) {
    const edges = organization[list]?.edges;
    if (!Array.isArray(edges) || (pageSize !== null && edges.length !== pageSize)) {
      return `${list}: ${Array.isArray(edges) ? edges.length : 'no'} edges`;
    }
  }
  return null;
}

/** Why a result union answered something other than `expected`, or null when it is that. */
export function resultProblem(body: GraphQLBody, field: string, expected: string): string | null {
  if (body.errors?.length) return `errors: ${body.errors[0]!.message}`;
  const result = body.data?.[field];
  if (result?.__typename === expected) return null;
  return `${String(result?.__typename)}${result?.code ? ` (${result.code})` : ''}`;
}
