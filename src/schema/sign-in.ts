// Sign-in by email magic link: send a link, redeem it for a session. Both are public.
import { builder } from '../builder.ts';
import {
  InvalidTokenError,
  NoRedirectUrlError,
  RateLimitedError,
  RedirectUrlNotAllowedError,
} from '../errors.ts';
import { redeemSignInLink, sendSignInLink } from '../services/sign-in.ts';
import { IssuedSession, Locale, SessionMember, SessionOrganization } from './invitation.ts';
import { locatorOf, OrganizationRefInput } from './organization.ts';

const SendSignInLinkInput = builder.inputType('SendSignInLinkInput', {
  description: 'Who asks for a sign-in link, and where the link should lead.',
  fields: (t) => ({
    organization: t.field({
      type: OrganizationRefInput,
      required: true,
      description: 'The organization to sign in to.',
    }),
    email: t.field({
      type: 'EmailAddress',
      required: true,
      description: "The member's address, compared case-insensitively.",
    }),
    redirectUrl: t.string({
      description:
        "Where the link points, with ?token= added; default: the organization's defaultRedirectUrl. Either must be on an allowed origin (REDIRECT_ORIGINS and the organization's allowedRedirectOrigins).",
    }),
    locale: t.field({ type: Locale, description: 'The email language; default EN.' }),
  }),
});

const SendSignInLinkPayload = builder.simpleObject('SendSignInLinkPayload', {
  description:
    'Always the same answer: whether or not the address belongs to a member is not revealed.',
  fields: (t) => ({
    accepted: t.boolean({
      description:
        'Always true: if the address belongs to an ACTIVE member, a link valid for 15 minutes is on its way.',
    }),
  }),
});

builder.mutationField('sendSignInLink', (t) =>
  t.field({
    type: SendSignInLinkPayload,
    description:
      'Emails a one-time sign-in link (15 minutes) to an ACTIVE member; earlier unused links stop working. API keys only (your backend calls it for your login page: unauthenticated callers may use only token-bearing operations). Rate limited per client address and per email address (RateLimitedError), and answers the same whether or not the member exists.',
    errors: { types: [RateLimitedError, NoRedirectUrlError, RedirectUrlNotAllowedError] },
    authScopes: { apiKey: true },
    args: {
      input: t.arg({ type: SendSignInLinkInput, required: true, description: 'Who and where.' }),
    },
    resolve: async (_root, { input }, ctx) => {
      const { organization, ...fields } = input;
      await sendSignInLink(ctx, locatorOf(organization) ?? {}, fields);
      return { accepted: true };
    },
  }),
);

const RedeemSignInLinkPayload = builder.simpleObject('RedeemSignInLinkPayload', {
  description: 'A new session for the member the link was sent to.',
  fields: (t) => ({
    session: t.field({ type: IssuedSession, description: 'The new session.' }),
    member: t.field({ type: SessionMember, description: 'The member signed in.' }),
    organization: t.field({ type: SessionOrganization, description: 'Its organization.' }),
  }),
});

builder.mutationField('redeemSignInLink', (t) =>
  t.field({
    type: RedeemSignInLinkPayload,
    description:
      'Exchanges the token from a sign-in link for a session (no credentials needed). A token works once; wrong, used, superseded and expired tokens all give InvalidTokenError. Throttled per client address and per token (RateLimitedError).',
    errors: { types: [InvalidTokenError, RateLimitedError] },
    args: {
      token: t.arg.string({ required: true, description: 'The token from the link (?token=).' }),
    },
    resolve: (_root, args, ctx) => redeemSignInLink(ctx, args.token),
  }),
);
