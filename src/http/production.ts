// What the API tells strangers about itself. In production (NODE_ENV=production) introspection is
// off unless INTROSPECTION=true, and errors do not suggest names ("Did you mean …?"), which would
// hand out the schema one guess at a time. Clients use the checked-in schema.graphql instead.
// (graphql-armor's block-field-suggestions only rewrites `Did you mean "x"?` in validation errors;
// graphql-js also suggests enum values and inline fragments, and variable coercion errors carry
// suggestions too, so this rewrites every error of the answer.)
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { EdgeSettings } from './settings.ts';

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
        addValidationRule(NoSchemaIntrospectionCustomRule);
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
