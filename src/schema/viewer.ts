// Who is calling.
import { builder } from '../builder.ts';

const ViewerKind = builder.enumType('ViewerKind', {
  values: ['API_KEY', 'MEMBER', 'ANONYMOUS'] as const,
});

const VIEWER_KINDS = { apiKey: 'API_KEY', member: 'MEMBER', anonymous: 'ANONYMOUS' } as const;

const Viewer = builder.simpleObject('Viewer', {
  description: 'The caller of this request.',
  fields: (t) => ({
    kind: t.field({ type: ViewerKind }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: Viewer,
    description: 'Who is calling: an API key, a member session, or nobody.',
    resolve: (_root, _args, ctx) => ({ kind: VIEWER_KINDS[ctx.caller.kind] }),
  }),
);
