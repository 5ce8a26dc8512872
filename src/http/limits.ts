// Document limits: what one GraphQL document may ask for. Each refusal is a GraphQL error with a
// clear message (HTTP 400), reached before any resolver runs.
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { useCostLimit } from './cost.ts';
import type { EdgeSettings } from './settings.ts';
import { oneTokenOperationPerRequest } from './token-operations.ts';

type Limits = Pick<
  EdgeSettings,
  'maxTokens' | 'maxDepth' | 'maxAliases' | 'maxDirectives' | 'maxCost'
>;

/**
 * graphql-armor's rules throw their refusal, which stops validation at once (good: nothing else
 * walks a 1,000-deep document) but leaves Yoga answering 200 as if the error were unexpected. This
 * returns it as the validation error it is (400, with a code), without armor's "Syntax Error: ".
 */
function useRefusalsAsValidationErrors(): Plugin {
  return {
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn((...args) => {
        try {
          return validateFn(...args);
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          return [
            new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
              nodes: error.nodes,
              extensions: { code: 'DOCUMENT_LIMIT_EXCEEDED' },
            }),
          ];
        }
      });
    },
  };
}

export function documentLimitPlugins(limits: Limits): Plugin[] {
  return [
    useRefusalsAsValidationErrors(),
    // Counted while parsing, so a huge document stops early.
    maxTokensPlugin({ n: limits.maxTokens }) as Plugin,
    // Fragments flattened: result unions (`... on Payload { … }`) add no depth.
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true }) as Plugin,
    // No allow-list: 100 aliased __typename are an alias flood too.
    maxAliasesPlugin({ n: limits.maxAliases, allowList: [] }) as Plugin,
    maxDirectivesPlugin({ n: limits.maxDirectives }) as Plugin,
    {
      onValidate({ addValidationRule }) {
        addValidationRule(oneTokenOperationPerRequest);
      },
    },
    useCostLimit(limits.maxCost),
  ];
}
