// What the API tells strangers about itself. In production (NODE_ENV=production) introspection is
// off unless INTROSPECTION=true, and errors do not suggest names ("Did you mean …?"), which would
// hand out the schema one guess at a time. Clients use the checked-in schema.graphql instead.
// (graphql-armor's block-field-suggestions only rewrites `Did you mean "x"?` in validation errors;
// graphql-js also suggests enum values and inline fragments, and variable coercion errors carry
// suggestions too, so this rewrites every error of the answer.)
import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { EdgeSettings } from './settings.ts';

/** What `__type(name:)` may still answer: whether a type exists, which validation tells anyway. */
const HARMLESS_TYPE_FIELDS = new Set(['name', 'kind', '__typename']);
const INTROSPECTION_TYPES = new Set([
  '__Schema',
  '__Type',
  '__Field',
  '__InputValue',
  '__EnumValue',
  '__Directive',
]);

/**
 * Introspection off: no `__schema`, and `__type` only as far as `name` and `kind`. graphql-js's
 * NoSchemaIntrospectionCustomRule refuses `__type` altogether; graphql-http's audit uses
 * `__type(name:) { name }` in a MUST check of variables, and a type's name and kind are no secret
 * (`query($x: Member)` is answered differently from `query($x: Nope)`). Fields, arguments, enum
 * values and descriptions stay hidden.
 */
export const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    const parent = context.getParentType();
    const name = node.name.value;
    const refused =
      name === '__schema' ||
      (parent != null &&
        INTROSPECTION_TYPES.has(parent.name) &&
        !(parent.name === '__Type' && HARMLESS_TYPE_FIELDS.has(name)));
    if (refused) {
      context.reportError(
        new GraphQLError(
          `GraphQL introspection is disabled here (field "${name}"): use the published schema.graphql`,
          { nodes: [node], extensions: { code: 'INTROSPECTION_DISABLED' } },
        ),
      );
    }
  },
});

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

function withoutSuggestions<T extends { errors?: readonly unknown[] }>(result: T): T {
  if (
    !result.errors?.some((e) => e instanceof GraphQLError && e.message.includes('Did you mean'))
  ) {
    return result;
  }
  return {
    ...result,
    errors: result.errors.map((error) => {
      if (!(error instanceof GraphQLError)) return error;
      return new GraphQLError(error.message.replace(SUGGESTION, ''), {
        nodes: error.nodes,
        path: error.path,
        originalError: error.originalError,
        extensions: error.extensions,
      });
    }),
  };
}

export function disclosurePlugins(
  settings: Pick<EdgeSettings, 'introspection' | 'fieldSuggestions'>,
): Plugin[] {
  const plugins: Plugin[] = [];
  if (!settings.introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(noIntrospection);
      },
    });
  }
  if (!settings.fieldSuggestions) {
    plugins.push({
      onResultProcess({ result, setResult }) {
        if (Symbol.asyncIterator in result) return;
        setResult(
          Array.isArray(result) ? result.map(withoutSuggestions) : withoutSuggestions(result),
        );
      },
    });
  }
  return plugins;
}
