import { describe, expect, it } from 'vitest';
import { type ApiRoute, apiRoutes } from '../../catalog/routes';
import { ResourceTree } from '../../local/apigateway/resources';
import { matchesMediaType, proxyResponseOf } from '../../local/apigateway/response';

const route = (method: ApiRoute['method'], path: string): ApiRoute => ({
  method,
  path,
  function: 'ApiHandler',
});

describe('the route table', () => {
  it('declares the account request, closure batch and all-features migration routes, all on the API handler', () => {
    expect(apiRoutes.map((r) => `${r.method} ${r.path} -> ${r.function}`)).toEqual([
      'POST /account-requests -> ApiHandler',
      'GET /account-requests/{id} -> ApiHandler',
      'GET /account-requests -> ApiHandler',
      'POST /closure-batches -> ApiHandler',
      'GET /closure-batches/{id} -> ApiHandler',
      'POST /all-features-migrations -> ApiHandler',
      'GET /all-features-migrations/{id} -> ApiHandler',
      'POST /all-features-migrations/{id}/resend -> ApiHandler',
    ]);
    expect(() => new ResourceTree(apiRoutes, 'orgflowapi')).not.toThrow();
  });
});

describe('resolving a request to a resource and method', () => {
  const tree = new ResourceTree(
    [
      route('GET', '/accounts/{accountId}'),
      route('GET', '/accounts/root'),
      route('ANY', '/accounts/{accountId}/tags'),
      route('PUT', '/accounts/{accountId}/tags'),
      route('GET', '/files/{path+}'),
      route('GET', '/'),
    ],
    'orgflowapi',
  );

  it('prefers a literal segment to a parameter', () => {
    expect(tree.resolve('GET', '/accounts/root')).toMatchObject({
      resourcePath: '/accounts/root',
      pathParameters: null,
    });
    expect(tree.resolve('GET', '/accounts/123456789012')).toMatchObject({
      resourcePath: '/accounts/{accountId}',
      pathParameters: { accountId: '123456789012' },
    });
  });

  it('prefers the exact method to ANY', () => {
    expect(tree.resolve('PUT', '/accounts/1/tags')?.route.method).toBe('PUT');
    expect(tree.resolve('DELETE', '/accounts/1/tags')?.route.method).toBe('ANY');
  });

  it('lets a greedy parameter take the rest of the path', () => {
    expect(tree.resolve('GET', '/files/a/b%20c/d.json')).toMatchObject({
      resourcePath: '/files/{path+}',
      pathParameters: { path: 'a/b c/d.json' },
    });
    expect(tree.resolve('GET', '/files')).toBeUndefined();
  });

  it('decodes path parameters and tolerates one trailing slash', () => {
    expect(tree.resolve('GET', '/accounts/a%2Fb')?.pathParameters).toEqual({ accountId: 'a/b' });
    expect(tree.resolve('GET', '/accounts/root/')?.resourcePath).toBe('/accounts/root');
  });

  it('finds nothing for a missing method, an undeclared resource or an empty segment', () => {
    expect(tree.resolve('POST', '/accounts/1')).toBeUndefined();
    expect(tree.resolve('GET', '/accounts')).toBeUndefined();
    expect(tree.resolve('GET', '/accounts//tags')).toBeUndefined();
    expect(tree.resolve('GET', '/')?.resourcePath).toBe('/');
  });

  it('refuses the routes API Gateway refuses', () => {
    expect(
      () => new ResourceTree([route('GET', '/a/{id}'), route('GET', '/a/{name}/b')], 'orgflowapi'),
    ).toThrow('route GET /a/{name}/b: {name} conflicts with {id} at /a: one name per level');
    expect(() => new ResourceTree([route('GET', '/a/{rest+}/b')], 'orgflowapi')).toThrow('must be last');
    expect(() => new ResourceTree([route('GET', '/a/x{id}')], 'orgflowapi')).toThrow('a whole {parameter}');
    expect(() => new ResourceTree([route('GET', 'a')], 'orgflowapi')).toThrow("starts with '/'");
    expect(() => new ResourceTree([route('GET', '/a'), route('GET', '/a')], 'orgflowapi')).toThrow(
      'declared twice',
    );
  });
});

describe('binary bodies', () => {
  it('matches media types with wildcards and parameters', () => {
    expect(matchesMediaType('image/png', ['image/*'])).toBe(true);
    expect(matchesMediaType('application/octet-stream; charset=x', ['application/octet-stream'])).toBe(true);
    expect(matchesMediaType('text/html, application/zip', ['*/*'])).toBe(true);
    expect(matchesMediaType('application/json', ['image/*'])).toBe(false);
    expect(matchesMediaType(undefined, ['*/*'])).toBe(false);
  });

  it('decodes a base64 body only when the client accepts a binary media type', () => {
    const result = {
      statusCode: 200,
      body: Buffer.from('raw bytes').toString('base64'),
      isBase64Encoded: true,
    };

    expect(proxyResponseOf(result, true)?.body.toString()).toBe('raw bytes');
    expect(proxyResponseOf(result, false)?.body.toString()).toBe(result.body);
  });
});
