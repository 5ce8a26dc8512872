// The conventions schema.graphql holds to, checked by graphql-eslint's schema rules:
//   npm run schema:lint            (scripts/lint-schema.ts: the findings, then a count per rule)
//   npx eslint -c eslint.schema.config.js schema.graphql
// `schemaLintConfig(file)` lints another SDL file with the same rules (the tests' fixtures).
import graphqlPlugin from '@graphql-eslint/eslint-plugin';

const plugin = '@graphql-eslint';

/** Types that are values inside another object, not things a client refetches by id. */
const valueTypeSuffixes = ['Payload', 'Error', 'Connection', 'Edge'];
const valueTypes = [
  'PageInfo',
  'Viewer',
  'OrganizationSettings',
  'InvitationDelivery',
  'InvitationPreview',
  // A role is named by its key within an organization (Member.roles holds keys), is read only
  // through Organization.roles, and has no row of its own for built-in roles: a value, not a node.
  'Role',
];

/** Arguments and input fields that carry an ID say so in their name, as queries do (`id:`). */
const idName = { requiredPattern: /^(id|ids)$|Ids?$/ };

export const schemaRules = {
  ...graphqlPlugin.configs['flat/schema-recommended'].rules,
  ...graphqlPlugin.configs['flat/schema-relay'].rules,

  // Short bounded lists (roles, allowed domains, a batch's results) need no connection.
  [`${plugin}/relay-edge-types`]: ['error', { listTypeCanWrapOnlyEdgeType: false }],

  // Every type, field, argument, input field and enum value tells a client what it is for.
  [`${plugin}/require-description`]: [
    'error',
    {
      types: true,
      rootField: true,
      DirectiveDefinition: true,
      FieldDefinition: true,
      InputValueDefinition: true,
      EnumValueDefinition: true,
    },
  ],

  [`${plugin}/naming-convention`]: [
    'error',
    {
      ...graphqlPlugin.configs['flat/schema-recommended'].rules[`${plugin}/naming-convention`][1],
      // Connections and edges are named after what they hold (MemberConnection, MemberEdge), not
      // after Pothos's field path (OrganizationMembersConnectionEdge).
      'ObjectTypeDefinition[name.value=/Connection(Edge)?$/]': {
        forbiddenPatterns: [/ConnectionEdge$/],
      },
      'FieldDefinition > InputValueDefinition[gqlType.name.value=ID]': idName,
      'FieldDefinition > InputValueDefinition[gqlType.gqlType.name.value=ID]': idName,
      'InputObjectTypeDefinition > InputValueDefinition[gqlType.name.value=ID]': idName,
      'InputObjectTypeDefinition > InputValueDefinition[gqlType.gqlType.name.value=ID]': idName,
    },
  ],

  // Objects a client can hold on to have a global id (Relay's Node); value types are listed.
  [`${plugin}/strict-id-in-types`]: [
    'error',
    {
      acceptedIdNames: ['id'],
      acceptedIdTypes: ['ID'],
      exceptions: { suffixes: valueTypeSuffixes, types: valueTypes },
    },
  ],

  // Conventions graphql-eslint has no rule for, written as AST selectors.
  'no-restricted-syntax': [
    'error',
    {
      selector:
        ':matches(FieldDefinition, InputValueDefinition)[name.value=/^email$|Email$/] NamedType[name.value=String]',
      message: 'An email address is an EmailAddress, everywhere.',
    },
    {
      selector:
        ':matches(ObjectTypeDefinition, InterfaceTypeDefinition)[name.value=/^Error$|Error$/] > FieldDefinition[name.value=code] NamedType[name.value=String]',
      message: "An error's code is an enum (ErrorCode), so clients can switch on it.",
    },
    {
      selector: 'FieldDefinition[name.value=/^status$|Status$/] NamedType[name.value=String]',
      message: 'A status is an enum, not a String.',
    },
  ],
};

export function schemaLintConfig(schemaFile = 'schema.graphql') {
  return [
    {
      files: ['**/*.graphql'],
      languageOptions: {
        parser: graphqlPlugin.parser,
        parserOptions: { graphQLConfig: { schema: schemaFile } },
      },
      plugins: { [plugin]: graphqlPlugin },
      rules: schemaRules,
    },
  ];
}

export default schemaLintConfig();
