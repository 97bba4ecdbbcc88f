import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendAwsJson } from '../aws-http';
import { type RunningServer, serveHttp } from '../http-server';
import { identifyRequest, jsonErrorTypes } from '../identity';
import { JsonTextError, parseJsonText } from '../json-body';
import { adminPrefix, handleAdmin } from './admin';
import type { OrganizationsEmulator } from './emulator';
import { OrganizationsError } from './errors';
import { newId } from './ids';

const targetPrefix = 'AWSOrganizationsV20161128.';
const contentType = 'application/x-amz-json-1.1';
const maxBodyBytes = 1024 * 1024;

export type { RunningServer };

export interface ServerOptions {
  port?: number;
  host?: string;
  /** called for every request that fails with a 5xx, for the operator's log */
  onInternalError?: (error: unknown) => void;
}

const send = (res: ServerResponse, status: number, requestId: string, body: string, errorType?: string) =>
  sendAwsJson(res, contentType, status, requestId, body, errorType);

function sendError(res: ServerResponse, requestId: string, error: OrganizationsError): void {
  send(res, error.statusCode, requestId, JSON.stringify(error.toBody()), error.type);
}

/** Turns one HTTP request into one emulator call, answering exactly as the AWS JSON 1.1 protocol does. */
export function handleRequest(
  emulator: OrganizationsEmulator,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  onInternalError: (error: unknown) => void,
): void {
  const requestId = newId.requestId();
  try {
    if (req.method !== 'POST')
      throw new OrganizationsError(
        'UnknownOperationException',
        `AWS Organizations accepts only POST, not ${req.method}.`,
      );
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== contentType)
      throw new OrganizationsError(
        'SerializationException',
        `Content-Type must be ${contentType}, not '${type || '(none)'}'.`,
      );
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : '';
    if (!operation)
      throw new OrganizationsError(
        'UnknownOperationException',
        `X-Amz-Target must be ${targetPrefix}<Operation>, not '${target || '(none)'}'.`,
      );
    const identified = identifyRequest(req.headers, emulator.keyOwners);
    if ('refusal' in identified)
      throw new OrganizationsError(jsonErrorTypes[identified.refusal.reason], identified.refusal.message, {
        statusCode: 403,
      });
    const { caller } = identified;
    let input: unknown = {};
    if (body.length > 0) {
      try {
        input = parseJsonText(body.toString('utf8'));
      } catch (error) {
        if (!(error instanceof JsonTextError)) throw error;
        throw new OrganizationsError('SerializationException', `The request body is ${error.message}.`);
      }
    }
    const userAgent = req.headers['user-agent'];
    const output = emulator.call(
      operation,
      input,
      { ...caller, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', ...(userAgent ? { userAgent } : {}) },
      requestId,
    );
    respond(() => send(res, 200, requestId, output === undefined ? '' : JSON.stringify(output)));
  } catch (error) {
    if (error instanceof OrganizationsError) {
      if (error.statusCode >= 500 && error.type !== 'ServiceException') onInternalError(error);
      respond(() => sendError(res, requestId, error));
      return;
    }
    onInternalError(error);
    respond(() => sendError(res, requestId, new OrganizationsError('ServiceException')));
  }

  function respond(answer: () => void): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const latency = emulator.faults.latencyMs(target.slice(targetPrefix.length));
    if (latency > 0) setTimeout(answer, latency);
    else answer();
  }
}

/** Serves the emulator over HTTP on loopback; `port: 0` picks a free port. */
export function startOrganizationsServer(
  emulator: OrganizationsEmulator,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const onInternalError =
    options.onInternalError ?? ((error) => console.error('organizations emulator:', error));
  return serveHttp(
    (req, body, res) => {
      if (req.url?.startsWith(adminPrefix)) handleAdmin(emulator, req, body, res);
      else handleRequest(emulator, req, body, res, onInternalError);
    },
    {
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.host === undefined ? {} : { host: options.host }),
      maxBodyBytes,
      tooLarge: (_req, res) =>
        sendError(
          res,
          newId.requestId(),
          new OrganizationsError(
            'SerializationException',
            `The request body is larger than ${maxBodyBytes} bytes.`,
            {
              statusCode: 413,
            },
          ),
        ),
    },
  );
}
