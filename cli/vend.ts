import type { SFNClient } from '@aws-sdk/client-sfn';
import { type ApiTarget, callApi } from './api';
import { placeInLine } from './executions';

export interface RequestStatus {
  requestId: string;
  state: string;
  reason?: string;
  accountId?: string;
  steps?: { name: string; completedAt: string }[];
  [field: string]: unknown;
}

function failure(action: string, response: { status: number; body: unknown }): Error {
  const body = response.body as
    | { message?: string; issues?: { path: string; message: string }[] }
    | undefined;
  const details = body?.issues?.map((e) => `\n  - ${e.path}: ${e.message}`).join('') ?? '';
  return new Error(
    `${action}: HTTP ${response.status} ${body?.message ?? JSON.stringify(response.body)}${details}`,
  );
}

/** POST /account-requests with an Idempotency-Key: the same key and body give back the same request. */
export async function submitVending(
  api: ApiTarget,
  request: Record<string, unknown>,
  idempotencyKey: string,
): Promise<{ requestId: string; statusUrl: string; created?: boolean }> {
  const response = await callApi(api, 'POST', '/account-requests', request, {
    'idempotency-key': idempotencyKey,
  });
  if (response.status !== 202) throw failure('the request was refused', response);
  return response.body as { requestId: string; statusUrl: string; created?: boolean };
}

export async function requestStatus(api: ApiTarget, requestId: string): Promise<RequestStatus> {
  const response = await callApi(api, 'GET', `/account-requests/${encodeURIComponent(requestId)}`);
  if (response.status !== 200) throw failure(`request ${requestId}`, response);
  return response.body as RequestStatus;
}

export function describeRequest(status: RequestStatus): string {
  const account = status.accountId ? `, account ${status.accountId}` : '';
  const reason = status.reason ? `: ${status.reason}` : '';
  const last = status.steps?.at(-1)?.name;
  return `${status.state}${account}${last ? ` (last step: ${last})` : ''}${reason}`;
}

/** Seconds between two CreateAccount calls at AWS's rate (0.1 per second): how fast the line moves at best. */
const SECONDS_PER_CREATE_ACCOUNT = 10;

/** A request waiting in line: its place, and the least time until its turn. */
export function describePlace(place: number): string {
  return `waiting in line for a CreateAccount slot: ${place === 1 ? 'next' : `number ${place}`}, about ${place * SECONDS_PER_CREATE_ACCOUNT} s or more`;
}

const elapsedSince = (iso: string | undefined, now: number) => {
  const seconds = iso ? Math.max(0, Math.round((now - Date.parse(iso)) / 1000)) : 0;
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
};

export interface FollowRequestOptions {
  /** where the request's place in line is read (Step Functions); without it no place is shown */
  sfn?: SFNClient | undefined;
  /** a terminal: the line is rewritten in place with the time elapsed; else a line per change */
  tty?: boolean;
  write?: (text: string) => void;
  /** waits between two looks: 1 s by default */
  wait?: () => Promise<void>;
}

/**
 * Prints where the request is until it has succeeded or failed: on a terminal one line rewritten in place with
 * the time elapsed (a new line when the state changes), else a line whenever the state, steps or place in line
 * change. A request waiting in line shows its place and the least time until its turn.
 */
export async function followRequest(
  api: ApiTarget,
  requestId: string,
  json: boolean,
  options: FollowRequestOptions = {},
): Promise<void> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const wait = options.wait ?? (() => new Promise<void>((r) => setTimeout(r, 1000)));
  const tty = options.tty ?? false;
  let shown = '';
  let inPlace = false;
  for (;;) {
    const status = await requestStatus(api, requestId);
    const place =
      status.state === 'PENDING' && options.sfn ? await placeInLine(options.sfn, requestId) : undefined;
    const said = `${describeRequest(status)}${place ? ` · ${describePlace(place)}` : ''}`;
    const finished = status.state === 'SUCCEEDED' || status.state === 'FAILED';
    if (json) {
      const line = JSON.stringify({ ...status, ...(place ? { placeInLine: place } : {}) });
      if (line !== shown) write(`${line}\n`);
      shown = line;
    } else if (tty) {
      // the same state rewrites its line with the time elapsed; another state starts a new line
      if (inPlace && said.split(' ')[0] !== shown.split(' ')[0]) write('\n');
      write(
        `\r\x1b[2K${said}${finished ? '' : ` · ${elapsedSince(status.createdAt as string, Date.now())}`}`,
      );
      inPlace = true;
      shown = said;
    } else {
      if (said !== shown) write(`${new Date().toISOString().slice(11, 19)}  ${said}\n`);
      shown = said;
    }
    if (finished) {
      if (tty && !json) write('\n');
      if (status.state === 'FAILED') process.exitCode = 1;
      return;
    }
    await wait();
  }
}
