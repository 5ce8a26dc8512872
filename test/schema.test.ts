import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.ts';
import { printRosterSchema } from '../src/schema/print.ts';

describe('schema.graphql', () => {
  it('is the schema printed from the code (run `npm run schema:print` when this fails)', () => {
    const checkedIn = fs.readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(checkedIn).toBe(printRosterSchema());
  });

  it('describes every type and every root field', () => {
    const undocumented: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (!type.description && !['Boolean', 'ID', 'Int', 'String', 'Float'].includes(type.name)) {
        undocumented.push(type.name);
      }
    }
    for (const root of [schema.getQueryType(), schema.getMutationType()]) {
      for (const field of Object.values(root!.getFields())) {
        if (!field.description) undocumented.push(`${root!.name}.${field.name}`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
