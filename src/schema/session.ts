// Sessions: signing out (one session of one's own) and signing a member out everywhere (in
// member.ts, as revokeMemberSessions, since it acts on a member).
import { builder } from '../builder.ts';
import { signOut } from '../services/members.ts';

const RevokeSessionPayload = builder.simpleObject('RevokeSessionPayload', {
  description: 'The result of revokeSession.',
  fields: (t) => ({
    revokedSessionId: t.id({ description: 'The id of the session now revoked.' }),
  }),
});

builder.mutationField('revokeSession', (t) =>
  t.field({
    type: RevokeSessionPayload,
    description:
      "Revokes one of the calling member's sessions: the current one when id is omitted (sign out), else the one named (member sessions only).",
    errors: {},
    args: {
      id: t.arg.id({
        description:
          'The session id returned when it was issued; omit it to sign out this session.',
      }),
    },
    authScopes: { memberSession: true },
    resolve: async (_root, args, ctx) => ({
      revokedSessionId: await signOut(ctx, args.id == null ? undefined : String(args.id)),
    }),
  }),
);
