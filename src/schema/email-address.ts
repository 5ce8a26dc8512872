// The EmailAddress scalar. Its input follows the same rule as every other way an address enters
// (isEmailAddress in services/validation.ts). Its output is the stored address as it is: a row
// written before today's rule (or by hand) must never make a list of members unreadable.
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { EMAIL_RULE, isEmailAddress } from '../services/validation.ts';

function parseEmailAddress(value: unknown): string {
  if (typeof value !== 'string' || !isEmailAddress(value)) {
    throw new GraphQLError(`EmailAddress: ${EMAIL_RULE}`);
  }
  return value;
}

export const EmailAddressScalar = new GraphQLScalarType<string, string>({
  name: 'EmailAddress',
  description:
    'An email address: a dot-atom of at most 64 characters, "@", a domain name; at most 254 characters in all (RFC 5321). Arguments must follow this rule; results show the address as stored.',
  specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc5321#section-4.5.3.1',
  serialize(value) {
    if (typeof value !== 'string') throw new GraphQLError('EmailAddress: not a string');
    return value;
  },
  parseValue: parseEmailAddress,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('EmailAddress: a string is expected', { nodes: ast });
    }
    return parseEmailAddress(ast.value);
  },
});
