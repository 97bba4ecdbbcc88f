import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RunningServer, serveHttp } from '../http-server';
import { identifyRequest } from '../identity';
import type { CallerIdentity } from '../organizations/cloudtrail';
import type { OrganizationsEmulator } from '../organizations/emulator';
import { newId } from '../organizations/ids';
import { actions } from './actions';
import { refused, StsError } from './errors';
import { errorDocument, resultDocument } from './xml';

const version = '2011-06-15';
const formContentType = 'application/x-www-form-urlencoded';
const maxBodyBytes = 64 * 1024;

export interface StsServerOptions {
  port?: number;
  host?: string;
  /** called for every request that fails with a 5xx, for the operator's log */
  onInternalError?: (error: unknown) => void;
}

function send(res: ServerResponse, status: number, requestId: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}

/** The request's parameters: the form body of a POST, or the query string of a GET. */
function parametersOf(req: IncomingMessage, body: Buffer): URLSearchParams {
  if (req.method === 'GET') return new URL(req.url ?? '/', 'http://localhost').searchParams;
  if (req.method !== 'POST')
    throw new StsError(
      'InvalidQueryParameter',
      `STS accepts a POST with a ${formContentType} body (or a GET with a query string), not ${req.method}.`,
    );
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== formContentType)
    throw new StsError(
      'InvalidQueryParameter',
      `Content-Type must be ${formContentType} (Action=…&Version=${version}&…), not '${type || '(none)'}'.`,
    );
  return new URLSearchParams(body.toString('utf8'));
}

/** Who signed the request, by the rule of every local service (local/identity.ts). */
function callerOf(emulator: OrganizationsEmulator, req: IncomingMessage): CallerIdentity {
  const identified = identifyRequest(req.headers, emulator.keyOwners);
  if ('refusal' in identified) throw refused(identified.refusal);
  return identified.caller;
}

function actionOf(params: URLSearchParams): (typeof actions)[string] {
  const action = params.get('Action');
  if (!action) throw new StsError('MissingAction', `Missing Action: send Action=<name>&Version=${version}.`);
  const requested = params.get('Version') ?? 'NO_VERSION_SPECIFIED';
  const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
  if (requested !== version || !handler)
    throw new StsError(
      'InvalidAction',
      `Could not find operation ${action} for version ${requested} (the local STS implements ${Object.keys(actions).join(' and ')}, version ${version}).`,
    );
  return handler;
}

/** Turns one HTTP request into one STS action, answering as the AWS Query protocol does. */
export function handleStsRequest(
  emulator: OrganizationsEmulator,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  onInternalError: (error: unknown) => void,
): void {
  const requestId = newId.requestId();
  try {
    const params = parametersOf(req, body);
    // lifecycles due by now (an account creation finishing) are visible to this request
    emulator.runDueTimers();
    const caller = callerOf(emulator, req);
    const result = actionOf(params)({ emulator, caller, params });
    send(res, 200, requestId, resultDocument(params.get('Action')!, result, requestId));
  } catch (error) {
    const answer =
      error instanceof StsError
        ? error
        : new StsError(
            'InternalFailure',
            'The request processing has failed because of an unknown error.',
            500,
          );
    if (answer.statusCode >= 500) onInternalError(error);
    send(res, answer.statusCode, requestId, errorDocument(answer, requestId));
  }
}

/** Serves STS for `emulator`'s accounts over HTTP on loopback; `port: 0` picks a free port. */
export function startStsServer(
  emulator: OrganizationsEmulator,
  options: StsServerOptions = {},
): Promise<RunningServer> {
  const onInternalError = options.onInternalError ?? ((error) => console.error('sts emulator:', error));
  return serveHttp((req, body, res) => handleStsRequest(emulator, req, body, res, onInternalError), {
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    maxBodyBytes,
    tooLarge: (_req, res) => {
      const error = new StsError(
        'InvalidQueryParameter',
        `The request body is larger than ${maxBodyBytes} bytes.`,
        413,
      );
      const requestId = newId.requestId();
      send(res, error.statusCode, requestId, errorDocument(error, requestId));
    },
  });
}
