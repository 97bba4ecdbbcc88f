import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** 0 (the default) picks a free port */
  port?: number;
  host?: string;
  maxBodyBytes: number;
  /** answers a request whose body is larger than maxBodyBytes (its body is not kept) */
  tooLarge(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * Serves `handle` on loopback with the whole request body read first. Every local service of orgflow
 * listens this way: same body limit handling, keep-alive and a clear error for a port already taken.
 */
export function serveHttp(
  handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void,
  options: ServeOptions,
): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= options.maxBodyBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > options.maxBodyBytes) options.tooLarge(req, res);
      else handle(req, Buffer.concat(chunks), res);
    });
  });
  return listen(server, options);
}

/**
 * Listens with `server` on `options.host` (loopback by default) and `options.port` (0 picks a free one), as every
 * local server does: keep-alive longer than the SDKs' idle sockets and a clear error for a port already taken.
 */
export function listen(server: Server, options: { port?: number; host?: string }): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  // longer than the SDKs' idle sockets live, so a client never writes into a socket the server just closed
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(
          new Error(
            `port ${options.port} on ${host} is already in use: stop what listens there or choose another port`,
          ),
        );
      else reject(error);
    });
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${port}`,
        port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
