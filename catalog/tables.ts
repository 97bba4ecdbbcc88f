import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The DynamoDB tables of orgflow, defined once: the CDK stack creates them from this data and the local stack
 * creates the same ones in its DynamoDB. Plain data only, so both can import it.
 */

export type AttributeType = 'S' | 'N' | 'B';

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
}

/**
 * The governor: slots, tickets and counters of the quota-bound operations (one partition per pool, e.g.
 * `create-account`), and the per-request records (`request#<id>`) that make steps idempotent.
 * See functions/governor/store.ts for the items.
 */
export const governorTable: TableDefinition = {
  id: 'GovernorTable',
  nameSuffix: 'governor',
  environmentVariable: 'GOVERNOR_TABLE_NAME',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  billingMode: 'PAY_PER_REQUEST',
};

export const tables: readonly TableDefinition[] = [governorTable];

/** The name of a table for a deployment prefix: `tableName('orgflow', governorTable)` → `orgflow-governor`. */
export const tableName = (prefix: string, table: TableDefinition): string => `${prefix}-${table.nameSuffix}`;

/** The CreateTable input of a table (what the local stack's DynamoDB is given; CDK builds the same table). */
export function createTableInput(prefix: string, table: TableDefinition): CreateTableCommandInput {
  return {
    TableName: tableName(prefix, table),
    AttributeDefinitions: [
      { AttributeName: table.partitionKey.name, AttributeType: table.partitionKey.type },
      { AttributeName: table.sortKey.name, AttributeType: table.sortKey.type },
    ],
    KeySchema: [
      { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: table.sortKey.name, KeyType: 'RANGE' },
    ],
    BillingMode: table.billingMode,
  };
}
