// PostgreSQL cannot store U+0000 in text: a string holding it fails at the database with an error
// nothing can type ("invalid byte sequence"). No name, email, slug, URL or token has a reason to
// carry one, so every string an operation brings (literals in the document and variable values)
// is checked here, before any resolver runs, and such a request gets a typed validation error.
// The literals are a property of the document, which Yoga parses once per distinct text and then
// hands out as the same DocumentNode: they are checked once per document, the variables per request.
import { GraphQLError, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const NUL = '\u0000';

const literalsChecked = new WeakMap<DocumentNode, boolean>();

function literalsHoldNul(document: DocumentNode): boolean {
  const known = literalsChecked.get(document);
  if (known !== undefined) return known;
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes(NUL)) found = true;
    },
  });
  literalsChecked.set(document, found);
  return found;
}

function valueHoldsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (Array.isArray(value)) return value.some(valueHoldsNul);
  if (value && typeof value === 'object') {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (key.includes(NUL) || valueHoldsNul((value as Record<string, unknown>)[key])) return true;
    }
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
