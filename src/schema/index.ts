// Imports every type file, then builds the schema. Exports nothing else.
import { builder } from '../builder.ts';
import './errors.ts';
import './organization.ts';
import './member.ts';
import './viewer.ts';
import './invitation.ts';
import './invitation-mutations.ts';
import './sign-in.ts';
import './role.ts';
import './session.ts';
import './authorization.ts';

export const schema = builder.toSchema({ sortSchema: true });
