// What client developers rely on: the README's GraphQL examples run against this schema, and
// GraphQL Code Generator turns schema.graphql plus an operation into TypeScript types whose
// result unions can be switched on exhaustively by __typename.
import fs from 'node:fs';
import { codegen } from '@graphql-codegen/core';
import * as typescriptPlugin from '@graphql-codegen/typescript';
import * as operationsPlugin from '@graphql-codegen/typescript-operations';
import { buildSchema, Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';

const schemaText = fs.readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
const schema = buildSchema(schemaText);

/** The ```graphql blocks of README.md; a block may hold several operations. */
function readmeOperations(): string[] {
  const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  return [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** Each ```graphql block of README.md with the ```json block right after it (its variables). */
function readmeOperationsWithVariables(): { block: string; variables?: string }[] {
  const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  return [...readme.matchAll(/```graphql\n([\s\S]*?)```(?:\n\n```json\n([\s\S]*?)```)?/g)].map(
    (match) => ({ block: match[1]!, variables: match[2] }),
  );
}

describe('README examples', () => {
  it('can each be pasted into GraphiQL as written: one named operation, its variables shown, typed errors selected', () => {
    for (const { block, variables } of readmeOperationsWithVariables()) {
      const operations = parse(block).definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      expect(operations.length, block).toBe(1);
      const [operation] = operations;
      expect(operation!.name, block).toBeDefined();
      const declared = (operation!.variableDefinitions ?? []).map((v) => v.variable.name.value);
      const given = variables ? Object.keys(JSON.parse(variables) as object) : [];
      expect(given.sort(), block).toEqual(declared.sort());
      expect(block).toMatch(/__typename/);
      expect(block).toMatch(/\.\.\. on Error \{ message code \}/);
    }
  });

  it('has GraphQL examples, and every one validates against schema.graphql', () => {
    const blocks = readmeOperations();
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const block of blocks) {
      const errors = validate(schema, parse(block)).map((error) => error.message);
      expect(errors, block).toEqual([]);
    }
  });
});

describe('GraphQL Code Generator', () => {
  it('generates operation types with the typed errors as a __typename union', async () => {
    const document = parse(/* GraphQL */ `
      mutation Invite($input: InviteMemberInput!) {
        inviteMember(input: $input) {
          __typename
          ... on InviteMemberPayload {
            invitation {
              id
              status
            }
            acceptUrl
          }
          ... on SeatLimitReachedError {
            seatLimit
          }
          ... on Error {
            code
            message
          }
        }
      }
    `);
    const output = await codegen({
      schema: parse(schemaText),
      documents: [{ document }],
      filename: 'generated.ts',
      config: {},
      plugins: [{ typescript: {} }, { typescriptOperations: {} }],
      pluginMap: { typescript: typescriptPlugin, typescriptOperations: operationsPlugin },
    });
    expect(output).toContain('export type InviteMutation');
    // Every member of the result union appears with its literal __typename.
    for (const typename of [
      'InviteMemberPayload',
      'SeatLimitReachedError',
      'AlreadyInvitedError',
      'ForbiddenError',
      'ValidationError',
    ]) {
      expect(output).toContain(`__typename: '${typename}'`);
    }
  });
});
