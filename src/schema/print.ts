// The schema as checked in to schema.graphql: printed, lexicographically sorted.
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.ts';

export function printRosterSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
