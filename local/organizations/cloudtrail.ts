import { randomUUID } from 'node:crypto';

/** An EventBridge event carrying a CloudTrail record, as AWS delivers Organizations events (reference §5). */
export interface CloudTrailEvent {
  version: '0';
  id: string;
  'detail-type': 'AWS API Call via CloudTrail' | 'AWS Service Event via CloudTrail';
  source: 'aws.organizations';
  account: string;
  time: string;
  region: 'us-east-1';
  resources: string[];
  detail: Record<string, unknown>;
}

/** Who made a call, as CloudTrail's userIdentity describes it. */
export interface CallerIdentity {
  accountId: string;
  accessKeyId: string;
  /** set for credentials issued by the emulator's STS AssumeRole (`issuedAt`: when, epoch ms, if known) */
  assumedRole?: { roleArn: string; sessionName: string; roleId: string; issuedAt?: number };
  userAgent?: string;
  sourceIp?: string;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** CloudTrail writes Organizations timestamps inside its elements Java-style: "Sep 16, 2020 9:20:50 PM" (UTC). */
export function javaTime(ms: number): string {
  const d = new Date(ms);
  const hours = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${months[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()} ${hours % 12 || 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
}

const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

const timestampKey = /(Timestamp|Date|DateEnabled)$/;
// CloudTrail hides these members of Organizations calls (the samples show "****")
const redacted = new Set(['email', 'accountName']);

/** API members → CloudTrail elements: camelCase keys, Java-style times, sensitive members hidden. */
export function toElements(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => toElements(item, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(value)) {
      if (member === undefined) continue;
      const camel = name.charAt(0).toLowerCase() + name.slice(1);
      out[camel] = redacted.has(camel) && typeof member === 'string' ? '****' : toElements(member, name);
    }
    return out;
  }
  if (typeof value === 'number' && timestampKey.test(key)) return javaTime(value * 1000);
  if (key === 'Action' && typeof value === 'string') return value.toLowerCase();
  return value;
}

function userIdentity(caller: CallerIdentity, now: number) {
  if (caller.assumedRole) {
    const { roleArn, sessionName, roleId, issuedAt } = caller.assumedRole;
    const roleName = roleArn.split('/').pop();
    return {
      type: 'AssumedRole',
      principalId: `${roleId}:${sessionName}`,
      arn: `arn:aws:sts::${caller.accountId}:assumed-role/${roleName}/${sessionName}`,
      accountId: caller.accountId,
      accessKeyId: caller.accessKeyId,
      // as in AWS's samples (reference §5.3): the issuer, an empty web-identity part, and the session's attributes
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: roleId,
          arn: roleArn,
          accountId: caller.accountId,
          userName: roleName,
        },
        webIdFederationData: {},
        attributes: {
          mfaAuthenticated: 'false',
          // when the caller does not say when the session began, the call's time stands in for it
          creationDate: isoSeconds(issuedAt ?? now),
        },
      },
    };
  }
  // an account-id access key acts as the root user's long-term key: CloudTrail gives such callers no sessionContext
  return {
    type: 'Root',
    principalId: caller.accountId,
    arn: `arn:aws:iam::${caller.accountId}:root`,
    accountId: caller.accountId,
    accessKeyId: caller.accessKeyId,
  };
}

function envelope(
  detailType: CloudTrailEvent['detail-type'],
  account: string,
  now: number,
  detail: Record<string, unknown>,
): CloudTrailEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.organizations',
    account,
    time: isoSeconds(now),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

export function apiCallEvent(args: {
  operation: string;
  caller: CallerIdentity;
  input: unknown;
  output: unknown;
  error?: { code: string; message: string };
  requestId: string;
  now: number;
  /** the account whose CloudTrail receives the record, when not the caller's (see recordCallIn in context.ts) */
  recipientAccountId?: string;
}): CloudTrailEvent {
  const { operation, caller, input, output, error, requestId, now } = args;
  const recipient = args.recipientAccountId ?? caller.accountId;
  const hasInput = input !== null && typeof input === 'object' && Object.keys(input).length > 0;
  return envelope('AWS API Call via CloudTrail', recipient, now, {
    eventVersion: '1.08',
    userIdentity: userIdentity(caller, now),
    eventTime: isoSeconds(now),
    eventSource: 'organizations.amazonaws.com',
    eventName: operation,
    awsRegion: 'us-east-1',
    sourceIPAddress: caller.sourceIp ?? '127.0.0.1',
    userAgent: caller.userAgent ?? 'orgflow-emulator',
    ...(error ? { errorCode: error.code, errorMessage: error.message } : {}),
    requestParameters: hasInput ? toElements(input) : null,
    responseElements: output === undefined || error ? null : toElements(output),
    requestID: requestId,
    eventID: randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: recipient,
    eventCategory: 'Management',
  });
}

/** CreateAccountResult, CloseAccountResult, the membership events: what Organizations itself reports. */
export function serviceEvent(args: {
  eventName: string;
  managementAccountId: string;
  invokedBy: string;
  details: Record<string, unknown>;
  now: number;
}): CloudTrailEvent {
  const { eventName, managementAccountId, invokedBy, details, now } = args;
  return envelope('AWS Service Event via CloudTrail', managementAccountId, now, {
    eventVersion: '1.08',
    userIdentity: { accountId: managementAccountId, invokedBy },
    eventTime: isoSeconds(now),
    eventSource: 'organizations.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: invokedBy,
    userAgent: invokedBy,
    requestParameters: null,
    responseElements: null,
    eventID: randomUUID(),
    readOnly: false,
    eventType: 'AwsServiceEvent',
    managementEvent: true,
    recipientAccountId: managementAccountId,
    serviceEventDetails: toElements(details),
    eventCategory: 'Management',
  });
}

/** How an account came into an organization (its `JoinedMethod`), and how it left one. */
export type JoinedMethod = 'CREATED' | 'INVITED';
export type DepartureMethod = 'LEFT' | 'REMOVED' | 'CLEANED';

// UNVERIFIED: AWS names the fields of the membership events (reference §5.1) but has published no record; they
// are shaped as its other service events: the facts under serviceEventDetails, the time Java-style, camelCase keys

/** What a membership event reports: how the account joined, or how it departed. */
export type MembershipChange = { joinedMethod: JoinedMethod } | { departureMethod: DepartureMethod };

/**
 * AccountJoinedOrganization / AccountDepartedOrganization, in the management account's event history: an
 * account joined the organization or departed from it.
 */
export function membershipEvent(args: {
  managementAccountId: string;
  accountId: string;
  change: MembershipChange;
  now: number;
}): CloudTrailEvent {
  const { managementAccountId, accountId, change, now } = args;
  const joined = 'joinedMethod' in change;
  return serviceEvent({
    eventName: joined ? 'AccountJoinedOrganization' : 'AccountDepartedOrganization',
    managementAccountId,
    invokedBy: 'organizations.amazonaws.com',
    details: joined
      ? { accountId, joinedMethod: change.joinedMethod, joinedTime: javaTime(now) }
      : { accountId, departureMethod: change.departureMethod, departureTime: javaTime(now) },
    now,
  });
}

type Listener = (event: CloudTrailEvent, sequence: number) => void;

/** The emulator's outgoing events: subscribers in process, and a numbered backlog for consumers that reconnect. */
export class EventLog {
  private readonly listeners = new Set<Listener>();
  private readonly backlog: { sequence: number; event: CloudTrailEvent }[] = [];
  private sequence = 0;

  constructor(private readonly keep = 10_000) {}

  /** Calls `listener` for every event from now on; returns the function that stops it. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events after `sequence` still in the backlog. */
  since(sequence: number): { sequence: number; event: CloudTrailEvent }[] {
    return this.backlog.filter((entry) => entry.sequence > sequence);
  }

  get lastSequence(): number {
    return this.sequence;
  }

  publish(event: CloudTrailEvent): void {
    const sequence = ++this.sequence;
    this.backlog.push({ sequence, event });
    if (this.backlog.length > this.keep) this.backlog.splice(0, this.backlog.length - this.keep);
    for (const listener of this.listeners) {
      try {
        listener(event, sequence);
      } catch (error) {
        // a consumer's failure must not fail the call that produced the event
        console.error('organizations emulator: an event subscriber failed:', error);
      }
    }
  }
}
