import { fileURLToPath } from 'node:url';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DefinitionError } from '../../local/stepfunctions/index';
import { ACCOUNT, FN, finished, fixtureRunner, type Stack, startExecution, startStack } from './harness';

// The composition root registers `statemachines/*.asl.json` with the substitutions CDK uses; the same
// call on every start creates the machine once and updates it only when the file or its values changed.

const FILE = fileURLToPath(new URL('./fixtures/vending.asl.json', import.meta.url));
const substitutions = { CreateAccountFunctionArn: `${FN}:create-account`, TargetOuId: 'ou-root-workloads' };

let stack: Stack;

beforeEach(async () => {
  stack = await startStack({ lambda: fixtureRunner() });
});

afterEach(async () => {
  await stack.close();
});

describe('registerDefinitionFile', () => {
  it('creates a state machine from a file with substitutions, and runs it', async () => {
    const arn = stack.service.registerDefinitionFile('account-vending', FILE, substitutions);
    const described = await stack.client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    const end = await finished(
      stack.client,
      await startExecution(stack.client, arn, { email: 'a@example.com' }),
    );

    expect(arn).toBe(`arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:account-vending`);
    expect(described.definition).toContain(`"Resource": "${FN}:create-account"`);
    expect(described.definition).not.toContain('${');
    expect(JSON.parse(end.output!)).toEqual({ accountId: '222233334444', ou: 'ou-root-workloads' });
  });

  it('leaves an unchanged registration alone and updates a changed one', async () => {
    const arn = stack.service.registerDefinitionFile('account-vending', FILE, substitutions);
    const { revisionId } = stack.service.describeStateMachine({ stateMachineArn: arn });
    stack.service.registerDefinitionFile('account-vending', FILE, substitutions);
    const same = stack.service.describeStateMachine({ stateMachineArn: arn }).revisionId;
    stack.service.registerDefinitionFile('account-vending', FILE, {
      ...substitutions,
      TargetOuId: 'ou-root-sandbox',
    });
    const changed = stack.service.describeStateMachine({ stateMachineArn: arn });

    expect(same).toBe(revisionId);
    expect(changed.revisionId).not.toBe(revisionId);
    expect(changed.definition).toContain('ou-root-sandbox');
  });

  it('refuses a file with a placeholder left unfilled, naming the file and the placeholder', () => {
    expect(() =>
      stack.service.registerDefinitionFile('account-vending', FILE, { CreateAccountFunctionArn: `${FN}:x` }),
    ).toThrow(DefinitionError);
    expect(() =>
      stack.service.registerDefinitionFile('account-vending', FILE, { CreateAccountFunctionArn: `${FN}:x` }),
    ).toThrow(/vending\.asl\.json.*\$\{TargetOuId\}/);
  });
});
