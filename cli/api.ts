import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface ApiTarget {
  /** the API's invoke URL, ending in the stage: http://127.0.0.1:4706/prod/ */
  baseUrl: string;
  /** the local stack's 12-digit key convention, or absent for the default AWS credential chain */
  accessKeyId?: string;
}

/** Calls orgflow's REST API with an AWS SigV4 signature (IAM auth), as API Gateway requires. */
export async function callApi(
  target: ApiTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const url = new URL(
    path.replace(/^\//, ''),
    target.baseUrl.endsWith('/') ? target.baseUrl : `${target.baseUrl}/`,
  );
  const text = body === undefined ? undefined : JSON.stringify(body);
  const request = new HttpRequest({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: {
      host: url.host,
      ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(text === undefined ? {} : { body: text }),
  });
  const signer = new SignatureV4({
    service: 'execute-api',
    region: 'us-east-1',
    sha256: Hash.bind(null, 'sha256'),
    credentials: target.accessKeyId
      ? { accessKeyId: target.accessKeyId, secretAccessKey: 'local' }
      : defaultProvider(),
  });
  const signed = await signer.sign(request);
  const response = await fetch(url, {
    method,
    headers: signed.headers as Record<string, string>,
    ...(text === undefined ? {} : { body: text }),
  });
  const raw = await response.text();
  let parsed: unknown = raw;
  try {
    parsed = raw ? JSON.parse(raw) : undefined;
  } catch {
    // not JSON: keep the text for the message
  }
  return { status: response.status, body: parsed };
}
