// The cost limit: how many fields a response can hold at most, computed with the request's
// variables. graphql-armor's cost-limit multiplies by `first` only when it is written into the
// document; `first: $n` and `nodes(ids: $ids)` escape it, and Yoga caches validation per document,
// so a validation rule can never see variables. This runs just before execution instead.
import {
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** Pothos relay's page sizes (the builder keeps its defaults): no `first`/`last`, and the most. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** What an unbounded list of objects (Organization.roles, say) is assumed to hold. */
export const DEFAULT_LIST_SIZE = 10;

type Variables = Readonly<Record<string, unknown>>;

class CostEstimator {
  private readonly fragmentCosts = new Map<string, number>();
  private readonly inProgress = new Set<string>();

  /** Whether a variable's value sized a list: then the cost holds for these variables only. */
  usedVariables = false;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly variables: Variables,
  ) {}

  private argumentValue(node: ValueNode | undefined): unknown {
    if (!node) return undefined;
    if (node.kind === Kind.VARIABLE) {
      this.usedVariables = true;
      return this.variables[node.name.value];
    }
    if (node.kind === Kind.INT) return Number.parseInt(node.value, 10);
    if (node.kind === Kind.LIST) return node.values;
    return undefined;
  }

  /** Fields a selection set can produce under one parent; `pageSize` sizes its list fields. */
  selectionSetCost(
    selectionSet: SelectionSetNode,
    parentType: GraphQLCompositeType,
    pageSize: number | undefined,
  ): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const fields =
          isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields() : {};
        const field = fields[selection.name.value];
        const type = field ? getNamedType(field.type) : undefined;
        if (!field || !selection.selectionSet || !type || !isCompositeType(type)) {
          total += 1; // a scalar, __typename, or an introspection field (bounded by depth/tokens)
          continue;
        }
        const args = new Map(selection.arguments?.map((arg) => [arg.name.value, arg.value]));
        const count = isListType(getNullableType(field.type))
          ? (pageSize ?? this.listSize(field, args))
          : 1;
        total +=
          count *
          (1 + this.selectionSetCost(selection.selectionSet, type, this.pageSizeOf(field, args)));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? this.schema.getType(selection.typeCondition.name.value)
          : parentType;
        if (type && isCompositeType(type)) {
          total += this.selectionSetCost(selection.selectionSet, type, pageSize);
        }
      } else {
        total += this.fragmentCost(selection.name.value, pageSize);
      }
    }
    return total;
  }

  private fragmentCost(name: string, pageSize: number | undefined): number {
    const key = `${name}:${pageSize ?? ''}`;
    const known = this.fragmentCosts.get(key);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    const type = fragment && this.schema.getType(fragment.typeCondition.name.value);
    if (!fragment || !type || !isCompositeType(type) || this.inProgress.has(key)) return 0;
    this.inProgress.add(key);
    const cost = this.selectionSetCost(fragment.selectionSet, type, pageSize);
    this.inProgress.delete(key);
    this.fragmentCosts.set(key, cost);
    return cost;
  }

  /** A connection's page size, which sizes its `edges` list; undefined for other fields. */
  private pageSizeOf(
    field: GraphQLField<unknown, unknown>,
    args: ReadonlyMap<string, ValueNode>,
  ): number | undefined {
    if (!field.args.some((arg) => arg.name === 'first' || arg.name === 'last')) return undefined;
    const first = this.argumentValue(args.get('first'));
    const last = this.argumentValue(args.get('last'));
    const requested = [first, last].filter((value): value is number => typeof value === 'number');
    const size = requested.length ? Math.max(...requested) : DEFAULT_PAGE_SIZE;
    return Math.min(Math.max(size, 0), MAX_PAGE_SIZE);
  }

  /** A list not inside a connection: as long as a list argument (nodes(ids:)), or the default. */
  private listSize(
    field: GraphQLField<unknown, unknown>,
    args: ReadonlyMap<string, ValueNode>,
  ): number {
    for (const arg of field.args) {
      if (!isListType(getNullableType(arg.type))) continue;
      const value = this.argumentValue(args.get(arg.name));
      if (Array.isArray(value)) return value.length;
      if (value !== undefined && value !== null) return 1; // a single value coerced to a list
    }
    return DEFAULT_LIST_SIZE;
  }
}

/**
 * Costs that no variable decides, by schema, document and operation name. Yoga hands out one
 * DocumentNode per distinct document text (its parse cache), so a client's fixed queries are
 * costed once; a document whose lists are sized by variables is costed on every request.
 */
const fixedCosts = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string | null, number>>>();

/** The most fields the operation's response can hold, with these variables. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
): number {
  let bySchema = fixedCosts.get(schema);
  if (!bySchema) fixedCosts.set(schema, (bySchema = new WeakMap()));
  const known = bySchema.get(document)?.get(operationName ?? null);
  if (known !== undefined) return known;
  const operation = getOperationAST(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  const estimator = new CostEstimator(schema, fragments, variables);
  const cost = estimator.selectionSetCost(operation.selectionSet, root, undefined);
  if (!estimator.usedVariables) {
    let byName = bySchema.get(document);
    if (!byName) bySchema.set(document, (byName = new Map()));
    byName.set(operationName ?? null, cost);
  }
  return cost;
}

/** Refuses, before execution, an operation whose response could exceed `maxCost` fields. */
export function useCostLimit(maxCost: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const variables = (args.variableValues ?? {}) as Variables;
      const cost = operationCost(args.schema, args.document, args.operationName, variables);
      if (cost > maxCost) {
        setResultAndStopExecution({
          errors: [
            createGraphQLError(
              `The operation could return up to ${cost} fields, more than the limit of ${maxCost}: ` +
                'ask for smaller pages (first/last) or fewer nested lists.',
              { extensions: { code: 'COST_LIMIT_EXCEEDED', cost, maxCost, http: { status: 400 } } },
            ),
          ],
        });
      }
    },
  };
}
