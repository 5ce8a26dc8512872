// Writes schema.graphql from the code (npm run schema:print). A test fails when it is stale.
import fs from 'node:fs';
import { printRosterSchema } from '../src/schema/print.ts';

fs.writeFileSync(new URL('../schema.graphql', import.meta.url), printRosterSchema());
console.log('schema.graphql written');
