import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { DEMO_MANAGEMENT_ACCOUNT } from '../../local/organizations/seed';

export interface RawRequest {
  method?: string;
  /** path and query after the endpoint, e.g. `account-requests?limit=2` */
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** the SigV4 service name; unsigned when absent */
  service?: string;
  accessKeyId?: string;
  /** how long to wait for the answer (10 s by default) */
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  /** `__type` of an AWS JSON error, or the X-Amzn-ErrorType header */
  errorType: string | undefined;
  text: string;
}

/** One HTTP request exactly as given (any body, any headers), SigV4-signed as an SDK would sign it. */
export async function signedFetch(endpoint: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(request.path ?? '', endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
  const method = request.method ?? 'POST';
  let headers: Record<string, string> = { ...request.headers };
  if (request.service) {
    const signer = new SignatureV4({
      service: request.service,
      region: 'us-east-1',
      sha256: Hash.bind(null, 'sha256'),
      credentials: { accessKeyId: request.accessKeyId ?? DEMO_MANAGEMENT_ACCOUNT, secretAccessKey: 'local' },
    });
    const signed = await signer.sign(
      new HttpRequest({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { host: url.host, ...headers },
        ...(request.body === undefined ? {} : { body: request.body }),
      }),
    );
    headers = signed.headers as Record<string, string>;
  }
  delete headers.host;
  const response = await fetch(url, {
    method,
    headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  let errorType = response.headers.get('x-amzn-errortype') ?? undefined;
  try {
    const parsed = JSON.parse(text) as { __type?: unknown };
    if (typeof parsed?.__type === 'string') errorType = parsed.__type;
  } catch {
    // not JSON: the header (if any) names the error
  }
  return { status: response.status, errorType: errorType?.split(':')[0], text };
}

/** The headers of an AWS JSON protocol call of `target` (`AWSEvents.PutEvents`, …). */
export const awsJson = (target: string, version: '1.0' | '1.1') => ({
  'content-type': `application/x-amz-json-${version}`,
  'x-amz-target': target,
});
