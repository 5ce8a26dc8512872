// A GraphQL client in a dozen lines: fetch, a bearer token, and the generated TypedDocumentString
// that carries each operation's result and variable types. Roster answers expected failures (bad
// input, missing permission, invalid token…) inside `data` as typed errors, so a response with
// top-level `errors` means something unexpected (a bug, a malformed request, the server masking an
// internal error) and is thrown.
import type { TypedDocumentString } from './gql/graphql.ts';

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: readonly { message: string }[] = [],
  ) {
    super(message);
    this.name = 'GraphQLRequestError';
  }
}

export interface RosterClient {
  request<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    variables: TVariables,
  ): Promise<TResult>;
}

/**
 * `token` is an API key (a backend) or a member session token (a frontend); both go in the
 * Authorization header as a bearer. Without one the caller is anonymous, which is enough for the
 * token-bearing operations (invitationByToken, acceptInvitation).
 */
export function createClient(url: string, token?: string): RosterClient {
  return {
    async request<TResult, TVariables>(
      document: TypedDocumentString<TResult, TVariables>,
      variables: TVariables,
    ): Promise<TResult> {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query: document.toString(), variables }),
      });
      const body = (await response.json().catch(() => ({}))) as {
        data?: unknown;
        errors?: { message: string }[];
      };
      if (body.errors?.length || !response.ok || body.data == null) {
        const messages = body.errors?.map((error) => error.message).join('; ');
        throw new GraphQLRequestError(
          `GraphQL request failed (HTTP ${response.status})${messages ? `: ${messages}` : ''}`,
          response.status,
          body.errors,
        );
      }
      // The shape is what the generated type says: the operation validated against the schema.
      return body.data as TResult;
    },
  };
}
