import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { lastEnteredState, phaseOf, statusOf } from '../../functions/api/request-status';

const entered = (id: number, type: string, name: string): HistoryEvent => ({
  id,
  type: type as HistoryEvent['type'],
  timestamp: new Date(id * 1000),
  stateEnteredEventDetails: { name },
});

const failing: HistoryEvent[] = [
  entered(1, 'TaskStateEntered', 'Create Account'),
  entered(2, 'TaskStateEntered', 'Release Create Slot After Failure'),
  entered(3, 'ChoiceStateEntered', 'Email Already Used?'),
  entered(4, 'FailStateEntered', 'Vending Failed'),
];

describe('the phase of a request whose execution is entering its end', () => {
  it('stays in its last phase while the execution has entered its Fail state but not ended', () => {
    expect(lastEnteredState(failing)).toBe('Email Already Used?');
    expect(phaseOf('RUNNING', lastEnteredState(failing))).toBe('CREATING');
    const status = statusOf(
      {
        name: 'ar-1',
        status: 'RUNNING',
        startDate: new Date(0),
        input: '{}',
        executionArn: 'arn',
        stateMachineArn: 'sm',
      },
      failing,
    );
    expect(status.state).toBe('CREATING');
    expect(status.reason).toBeUndefined();
  });

  it('fails with the named error once the execution has ended', () => {
    const status = statusOf(
      {
        name: 'ar-1',
        status: 'FAILED',
        startDate: new Date(0),
        stopDate: new Date(5000),
        input: '{}',
        executionArn: 'arn',
        stateMachineArn: 'sm',
        error: 'AccountLimitExceededError',
        cause: JSON.stringify({ errorMessage: 'the organization has reached its quota of accounts' }),
      },
      failing,
    );
    expect(status.state).toBe('FAILED');
    expect(status.reason).toBe('the organization has reached its quota of accounts');
  });

  it('does not report SUCCEEDED before the execution has succeeded', () => {
    const history = [
      entered(1, 'TaskStateEntered', 'Publish Account Vended'),
      entered(2, 'SucceedStateEntered', 'Account Vended'),
    ];
    expect(phaseOf('RUNNING', lastEnteredState(history))).toBe('CONFIGURING');
  });
});
