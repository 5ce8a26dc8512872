// The GraphQL context: who is calling and the request id, nothing else. Prisma is imported from
// src/db.ts by services; permissions are checked by scopes (src/builder.ts, src/auth/access.ts).

export type Caller =
  | { readonly kind: 'apiKey'; readonly apiKeyId: string }
  | {
      readonly kind: 'member';
      readonly memberId: string;
      readonly organizationId: string;
      readonly sessionId: string;
    }
  | { readonly kind: 'anonymous' };

export interface Context {
  readonly caller: Caller;
  readonly requestId: string;
}
