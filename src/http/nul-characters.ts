// PostgreSQL cannot store U+0000 in text: a string holding it fails at the database with an error
// nothing can type ("invalid byte sequence"). No name, email, slug, URL or token has a reason to
// carry one, so every string an operation brings (literals in the document and variable values)
// is checked once here, before any resolver runs, and such a request gets a typed validation error.
import { GraphQLError, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const NUL = '\u0000';

function literalsHoldNul(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes(NUL)) found = true;
    },
  });
  return found;
}

function valueHoldsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (Array.isArray(value)) return value.some(valueHoldsNul);
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([key, item]) => key.includes(NUL) || valueHoldsNul(item));
  }
  return false;
}

export function useNoNulCharacters(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (literalsHoldNul(args.document) || valueHoldsNul(args.variableValues)) {
        setResultAndStopExecution({
          errors: [
            new GraphQLError('Strings may not contain the NUL character (U+0000)', {
              extensions: { code: 'VALIDATION' },
            }),
          ],
        });
      }
    },
  };
}
