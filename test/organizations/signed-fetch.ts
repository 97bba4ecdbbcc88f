import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * `fetch` with a SigV4 signature (for the Organizations endpoint unless `service` says otherwise), as the
 * emulator's admin routes (`/_orgflow/…`) require: the signer's access key says who calls (local/identity.ts).
 */
export async function signedFetch(
  url: string,
  credentials: SigningCredentials,
  init: {
    method?: string;
    body?: string;
    headers?: Record<string, string>;
    signal?: AbortSignal;
    service?: string;
  } = {},
): Promise<Response> {
  const target = new URL(url);
  const method = init.method ?? 'GET';
  const request = new HttpRequest({
    method,
    protocol: target.protocol,
    hostname: target.hostname,
    ...(target.port ? { port: Number(target.port) } : {}),
    path: target.pathname,
    query: Object.fromEntries(target.searchParams),
    headers: { host: target.host, ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const signer = new SignatureV4({
    service: init.service ?? 'organizations',
    region: 'us-east-1',
    sha256: Hash.bind(null, 'sha256'),
    credentials,
  });
  const signed = await signer.sign(request);
  return fetch(target, {
    method,
    headers: signed.headers as Record<string, string>,
    ...(init.body === undefined ? {} : { body: init.body }),
    ...(init.signal === undefined ? {} : { signal: init.signal }),
  });
}
