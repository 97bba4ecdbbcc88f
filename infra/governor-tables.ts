import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { type TableDefinition, tableName } from '../catalog/tables';

export interface GovernorTablesProps {
  readonly tables: readonly TableDefinition[];
  /** tables are named `<prefix>-<nameSuffix>`, as the local stack names them */
  readonly prefix: string;
  /** deploy only the first this many indexes of each table (an upgrade's first step); default all */
  readonly indexLimit?: number;
}

const attributeType = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const;

/**
 * The DynamoDB tables of catalog/tables.ts: on demand, point-in-time recovery, TTL, kept when the
 * stack is deleted (the governor's leases and request records outlive a redeploy).
 */
export class GovernorTables extends Construct {
  /** by the table's environment variable, e.g. `GOVERNOR_TABLE_NAME` */
  readonly byEnvironmentVariable: ReadonlyMap<string, TableV2>;

  constructor(scope: Construct, id: string, props: GovernorTablesProps) {
    super(scope, id);
    const tables = new Map<string, TableV2>();
    for (const definition of props.tables) {
      const table = new TableV2(this, definition.id, {
        tableName: tableName(props.prefix, definition),
        partitionKey: {
          name: definition.partitionKey.name,
          type: attributeType[definition.partitionKey.type],
        },
        sortKey: { name: definition.sortKey.name, type: attributeType[definition.sortKey.type] },
        billing: Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        timeToLiveAttribute: definition.timeToLiveAttribute,
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
        // CloudFormation adds one index per update to a deployed table: an upgrade that brings two deploys
        // with indexLimit first (docs/DEPLOY.md, "Upgrade")
        globalSecondaryIndexes: definition.globalSecondaryIndexes.slice(0, props.indexLimit).map((index) => ({
          indexName: index.indexName,
          partitionKey: { name: index.partitionKey.name, type: attributeType[index.partitionKey.type] },
          sortKey: { name: index.sortKey.name, type: attributeType[index.sortKey.type] },
          projectionType: ProjectionType.ALL,
        })),
      });
      tables.set(definition.environmentVariable, table);
    }
    this.byEnvironmentVariable = tables;
  }
}
