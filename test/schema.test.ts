import fs from 'node:fs';
import { GraphQLEnumType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as errors from '../src/errors.ts';
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

  it('has one ErrorCode value per error type, the code its RosterError carries', () => {
    const errorTypes = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .filter((type) => type.getInterfaces().some((i) => i.name === 'Error'))
      .map((type) => type.name);
    // The code is set whatever the constructor is given.
    const codeOf = (name: string) => {
      const ErrorClass = (errors as Record<string, unknown>)[name] as
        (new (...args: unknown[]) => errors.RosterError) | undefined;
      return ErrorClass ? new ErrorClass('x', []).code : `no class ${name} in src/errors.ts`;
    };
    const enumType = schema.getType('ErrorCode') as GraphQLEnumType;
    expect(errorTypes.map(codeOf).sort()).toEqual(
      enumType
        .getValues()
        .map((value) => value.name)
        .sort(),
    );
  });
});
