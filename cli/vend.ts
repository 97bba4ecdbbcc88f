import { type ApiTarget, callApi } from './api';

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
): Promise<{ requestId: string; statusUrl: string }> {
  const response = await callApi(api, 'POST', '/account-requests', request, {
    'idempotency-key': idempotencyKey,
  });
  if (response.status !== 202) throw failure('the request was refused', response);
  return response.body as { requestId: string; statusUrl: string };
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

/** Prints a line whenever the request's state or steps change, until it has succeeded or failed. */
export async function followRequest(api: ApiTarget, requestId: string, json: boolean): Promise<void> {
  let shown = '';
  for (;;) {
    const status = await requestStatus(api, requestId);
    const line = json
      ? JSON.stringify(status)
      : `${new Date().toISOString().slice(11, 19)}  ${describeRequest(status)}`;
    if (line.replace(/^\S+ {2}/, '') !== shown.replace(/^\S+ {2}/, '')) console.log(line);
    shown = line;
    if (status.state === 'SUCCEEDED') return;
    if (status.state === 'FAILED') {
      process.exitCode = 1;
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
