import type { IncomingMessage, ServerResponse } from 'node:http';
import { ManualClock } from '../clock';
import { identifyRequest, jsonErrorTypes } from '../identity';
import type { OrganizationsEmulator } from './emulator';

/** The emulator's own endpoints, beside the AWS API: events for other processes, faults, the clock. */
export const adminPrefix = '/_orgflow/';

function json(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...(errorType === undefined ? {} : { 'x-amzn-ErrorType': errorType }),
  });
  res.end(text);
}

function parse(body: Buffer): unknown {
  try {
    return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new RangeError(`the body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Every route takes a SigV4-signed request, its caller identified as in every local service (local/identity.ts);
 * an unsigned or refused one gets 403 with the AWS JSON protocols' error type.
 * `GET events?after=N` streams CloudTrail-shaped events as server-sent events (`id:` = sequence, so a consumer
 * resumes with `after`); `GET|PUT faults`; `GET clock`, `POST clock/advance {"ms": n}` (manual clock only);
 * `GET health`.
 */
export function handleAdmin(
  emulator: OrganizationsEmulator,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
) {
  const identified = identifyRequest(req.headers, emulator.keyOwners);
  if ('refusal' in identified) {
    const { reason, message } = identified.refusal;
    return json(res, 403, { message }, jsonErrorTypes[reason]);
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = `${req.method} ${url.pathname.slice(adminPrefix.length)}`;
  try {
    switch (route) {
      case 'GET health':
        return json(res, 200, { ok: true, now: emulator.clock.now() });
      case 'GET events':
        return streamEvents(emulator, url, req, res);
      case 'GET faults':
        return json(res, 200, emulator.faults.get());
      case 'PUT faults':
        emulator.faults.set(parse(body) as Record<string, never>);
        return json(res, 200, emulator.faults.get());
      case 'GET clock':
        return json(res, 200, {
          now: emulator.clock.now(),
          iso: new Date(emulator.clock.now()).toISOString(),
        });
      case 'POST clock/advance': {
        if (!(emulator.clock instanceof ManualClock))
          return json(res, 409, {
            message: 'the clock is not manual: start the emulator with a manual clock to advance it',
          });
        const { ms } = parse(body) as { ms?: unknown };
        if (typeof ms !== 'number' || !(ms >= 0))
          return json(res, 400, { message: 'send {"ms": <non-negative number>}' });
        emulator.clock.advance(ms);
        return json(res, 200, { now: emulator.clock.now() });
      }
      default:
        return json(res, 404, {
          message: `no admin route ${route}; there are GET health, GET events?after=N, GET|PUT faults, GET clock, POST clock/advance`,
        });
    }
  } catch (error) {
    return json(res, 400, { message: (error as Error).message });
  }
}

function streamEvents(
  emulator: OrganizationsEmulator,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  // a reconnecting EventSource repeats its URL (with the original `after`) and adds Last-Event-ID: the header wins
  const lastEventId = req.headers['last-event-id'];
  const from = lastEventId ?? url.searchParams.get('after');
  const after = from === null ? emulator.events.lastSequence : Number(from);
  if (!Number.isInteger(after) || after < 0) {
    json(res, 400, {
      message: `${lastEventId === undefined ? 'after' : 'Last-Event-ID'} must be a sequence number (0 or more), not '${from}'`,
    });
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
  // without it a consumer waits for the headers until the first event happens
  res.flushHeaders();
  const write = (sequence: number, event: unknown) =>
    res.write(`id: ${sequence}\ndata: ${JSON.stringify(event)}\n\n`);
  for (const entry of emulator.events.since(after)) write(entry.sequence, entry.event);
  const stop = emulator.events.subscribe((event, sequence) => write(sequence, event));
  // the request has been read to its end already, so its own 'close' comes at once: the response's marks the hang-up
  res.on('close', stop);
}
