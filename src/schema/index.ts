// Imports every type file, then builds the schema. Exports nothing else.
import { builder } from '../builder.ts';
import './errors.ts';
import './organization.ts';
import './member.ts';
import './viewer.ts';

export const schema = builder.toSchema({ sortSchema: true });
