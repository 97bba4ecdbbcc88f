import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { sendAwsJson } from '../aws-http';
import { JsonTextError, parseJsonText } from '../json-body';

// dynalite reads the same limit
const maxBodyBytes = 16 * 1024 * 1024;
const contentType = 'application/x-amz-json-1.0';

function serializationException(res: ServerResponse, message: string): void {
  const body = JSON.stringify({ __type: 'com.amazon.coral.service#SerializationException', message });
  sendAwsJson(res, contentType, 400, crypto.randomUUID(), body);
}

/** Why DynamoDB would not read `body` as a request, or undefined when dynalite may have it. */
function unreadable(body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  let input: unknown;
  try {
    input = parseJsonText(body.toString('utf8'));
  } catch (error) {
    if (!(error instanceof JsonTextError)) throw error;
    // dynalite answers text that is not JSON itself
    return error.message.startsWith('not valid JSON') ? undefined : `The request body is ${error.message}.`;
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return 'The request body must be a JSON object.';
  return undefined;
}

/** The request as dynalite reads it (headers, method, url, then the body as a stream), with `body` replayed. */
function replayed(req: IncomingMessage, body: Buffer): IncomingMessage {
  const stream = Readable.from(body.length > 0 ? [body] : []);
  return Object.assign(stream, { headers: req.headers, method: req.method, url: req.url }) as never;
}

/**
 * Puts a guard in front of dynalite's handler. dynalite throws from inside its request handler when a body is
 * JSON but not an object (`null` takes the whole stack down), and walks members without a depth limit: such
 * bodies are answered here with DynamoDB's SerializationException, every other request reaches dynalite as it came.
 */
export function guardRequestBodies(server: Server): void {
  const [dynaliteHandler, ...others] = server.listeners('request') as RequestListener[];
  if (!dynaliteHandler || others.length > 0)
    throw new Error('dynalite should have exactly one request listener');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (size > maxBodyBytes) {
        res.writeHead(413).end();
        return;
      }
      const problem = unreadable(body);
      if (problem) serializationException(res, problem);
      else dynaliteHandler(replayed(req, body), res);
    });
  });
}
