// One token operation per request. A token is guessed one request at a time, so that throttles
// per request (and per token) mean something: aliases or fragments cannot pack several guesses
// into one document.
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/** Root fields that take a secret token and are open to anonymous callers. */
export const TOKEN_OPERATIONS: ReadonlySet<string> = new Set([
  'acceptInvitation',
  'declineInvitation',
  'redeemSignInLink',
  'invitationByToken',
]);

/** The root fields an operation's selection set reaches, through fragments and inline fragments. */
function rootFields(
  context: ValidationContext,
  selectionSet: SelectionSetNode,
  seen: Set<string> = new Set(),
): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      fields.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...rootFields(context, selection.selectionSet, seen));
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) fields.push(...rootFields(context, fragment.selectionSet, seen));
    }
  }
  return fields;
}

export const oneTokenOperationPerRequest: ValidationRule = (
  context: ValidationContext,
): ASTVisitor => ({
  OperationDefinition(operation) {
    const tokenFields = rootFields(context, operation.selectionSet).filter((field) =>
      TOKEN_OPERATIONS.has(field.name.value),
    );
    if (tokenFields.length > 1) {
      context.reportError(
        new GraphQLError(
          `Only one token operation (${[...TOKEN_OPERATIONS].join(', ')}) may run per request; ` +
            `this operation has ${tokenFields.length}.`,
          { nodes: tokenFields, extensions: { code: 'TOO_MANY_TOKEN_OPERATIONS' } },
        ),
      );
    }
    return false;
  },
});
