import type { ServerResponse } from 'node:http';

/** The access key id of a SigV4 `Authorization` header (`Credential=AKID/date/region/service/aws4_request`). */
export function accessKeyIdOf(authorization: string | undefined): string | undefined {
  return authorization ? /Credential=([^/,\s]+)\//.exec(authorization)?.[1] : undefined;
}

/** Answers as AWS's JSON protocols do: the protocol's content type, a request id, the error type if any. */
export function sendAwsJson(
  res: ServerResponse,
  contentType: string,
  status: number,
  requestId: string,
  body: string,
  errorType?: string,
): void {
  const headers: Record<string, string | number> = {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  };
  if (errorType) headers['X-Amzn-ErrorType'] = errorType;
  res.writeHead(status, headers);
  res.end(body);
}
