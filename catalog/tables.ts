import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The DynamoDB tables of orgflow, defined once: the CDK stack creates them from this data and the local stack
 * creates the same ones in its DynamoDB. Plain data only, so both can import it.
 */

export type AttributeType = 'S' | 'N' | 'B';

/** A global secondary index: every attribute projected, on demand like its table. */
export interface IndexDefinition {
  /** never changes once deployed (DynamoDB cannot rename an index; CDK would drop and rebuild it) */
  readonly indexName: string;
  readonly partitionKey: { readonly name: string; readonly type: AttributeType };
  readonly sortKey: { readonly name: string; readonly type: AttributeType };
}

export interface TableDefinition {
  /** the CDK construct id; never changes once deployed */
  readonly id: string;
  /** the table is named `<prefix>-<nameSuffix>` (`orgflow-governor` locally) */
  readonly nameSuffix: string;
  /** the variable that gives a function the table's name */
  readonly environmentVariable: string;
  readonly partitionKey: { readonly name: string; readonly type: AttributeType };
  readonly sortKey: { readonly name: string; readonly type: AttributeType };
  /** epoch seconds after which DynamoDB may delete an item; the logic never relies on the deletion */
  readonly timeToLiveAttribute: string;
  readonly billingMode: 'PAY_PER_REQUEST';
  /** sparse: only the items that carry an index's keys are in it */
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
}

/**
 * The governor: slots, tickets and counters of the quota-bound operations (one partition per pool, e.g.
 * `create-account`), the per-request records (`request#<id>`) that make steps idempotent, and the requests
 * themselves (account requests, closure batches, migrations). See functions/governor/store.ts and
 * functions/account-vending/request-record.ts for the items.
 *
 * Its indexes list the account requests, newest first, without reading any execution: `by-owner` those of one
 * owner (`ownerKey` = `account-request#<owner>`), `by-kind` every one (`kind` = `account-request`); both sorted
 * by `listKey` (`<createdAt>#<id>`). Only request records carry these attributes.
 */
export const governorTable: TableDefinition = {
  id: 'GovernorTable',
  nameSuffix: 'governor',
  environmentVariable: 'GOVERNOR_TABLE_NAME',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  billingMode: 'PAY_PER_REQUEST',
  globalSecondaryIndexes: [
    {
      indexName: 'by-owner',
      partitionKey: { name: 'ownerKey', type: 'S' },
      sortKey: { name: 'listKey', type: 'S' },
    },
    {
      indexName: 'by-kind',
      partitionKey: { name: 'kind', type: 'S' },
      sortKey: { name: 'listKey', type: 'S' },
    },
  ],
};

export const tables: readonly TableDefinition[] = [governorTable];

/** The name of a table for a deployment prefix: `tableName('orgflow', governorTable)` → `orgflow-governor`. */
export const tableName = (prefix: string, table: TableDefinition): string => `${prefix}-${table.nameSuffix}`;

/** The CreateTable input of a table (what the local stack's DynamoDB is given; CDK builds the same table). */
export function createTableInput(prefix: string, table: TableDefinition): CreateTableCommandInput {
  const keys = [
    table.partitionKey,
    table.sortKey,
    ...table.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  const attributes = new Map(keys.map((key) => [key.name, key.type]));
  return {
    TableName: tableName(prefix, table),
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: table.sortKey.name, KeyType: 'RANGE' },
    ],
    BillingMode: table.billingMode,
    ...(table.globalSecondaryIndexes.length === 0
      ? {}
      : {
          GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
              { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          })),
        }),
  };
}
