import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { listen, type RunningServer } from '../http-server';
import { type EdgeService, routeOf } from './route';

// One endpoint for every local service: each request is routed by what it says (local/edge/route.ts) and
// passed through at the HTTP level, streamed both ways, to the service's own server, so there is one
// implementation of each service and its answers (errors, event streams) are the same on either port.

export interface EdgeOptions {
  /** the URL of each service's own server (the API's server root, not its stage URL) */
  upstreams: Readonly<Record<EdgeService, string>>;
  port?: number;
  host?: string;
  /** called when a service cannot be reached, for the operator's log */
  onInternalError?: (error: unknown) => void;
}

/** An answer of the edge itself, in the AWS JSON protocols' shape, which every AWS SDK reads. */
function refuse(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
    'X-Amzn-ErrorType': type,
  });
  res.end(body);
}

/** Serves the edge endpoint on loopback; `port: 0` picks a free port. */
export function startEdge(options: EdgeOptions): Promise<RunningServer> {
  const onInternalError = options.onInternalError ?? ((error) => console.error('orgflow edge:', error));
  // keep-alive to the services, as the SDKs keep it to the edge
  const agent = new Agent({ keepAlive: true });
  const upstreams = Object.fromEntries(
    Object.entries(options.upstreams).map(([service, url]) => [service, new URL(url)]),
  ) as Record<EdgeService, URL>;

  const pass = (req: IncomingMessage, res: ServerResponse, service: EdgeService) => {
    const upstream = upstreams[service];
    const forwarded = request(
      {
        agent,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        // as sent: the Host header too, which the signature covers
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
        // an event stream's headers go out before its first event
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    forwarded.on('error', (error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      onInternalError(error);
      refuse(
        res,
        502,
        'ServiceUnavailableException',
        `the edge endpoint could not reach the local ${service} service at ${upstream.origin}: ${error.message}`,
      );
    });
    // a client that goes away (an event stream closed) closes the service's side too
    res.on('close', () => {
      if (!res.writableFinished) forwarded.destroy();
    });
    req.pipe(forwarded);
  };

  const server = createServer((req, res) => {
    const route = routeOf({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
    if ('refusal' in route) {
      req.resume();
      refuse(res, 400, 'UnknownServiceException', route.refusal);
      return;
    }
    pass(req, res, route.service);
  });
  return listen(server, options).then((running) => ({
    ...running,
    close: async () => {
      await running.close();
      agent.destroy();
    },
  }));
}
