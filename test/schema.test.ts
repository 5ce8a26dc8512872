import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printRosterSchema } from '../src/schema/print.ts';

describe('schema.graphql', () => {
  it('is the schema printed from the code (run `npm run schema:print` when this fails)', () => {
    const checkedIn = fs.readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(checkedIn).toBe(printRosterSchema());
  });

  it('describes every root field', () => {
    const printed = printRosterSchema();
    const undocumented = [...printed.matchAll(/type (Query|Mutation) \{([\s\S]*?)\n\}/g)].flatMap(
      ([, typeName, body]) =>
        (body ?? '')
          .split('\n\n')
          .filter((block) => block.trim() && !block.trim().startsWith('"""'))
          .map((block) => `${typeName}.${block.trim().split('(')[0]?.split(':')[0]}`),
    );
    expect(undocumented).toEqual([]);
  });
});
