import { createHash } from 'node:crypto';
import type { ApiRoute, HttpMethod } from '../../catalog/routes';

/** A resource of the REST API: a node of its path tree, with the methods declared on it. */
interface Resource {
  path: string;
  id: string;
  literals: Map<string, Resource>;
  param?: { name: string; resource: Resource };
  greedy?: { name: string; resource: Resource };
  methods: Map<HttpMethod, ApiRoute>;
}

export interface ResolvedRoute {
  route: ApiRoute;
  /** the resource's template, e.g. `/account-requests/{id}` */
  resourcePath: string;
  resourceId: string;
  pathParameters: Record<string, string> | null;
}

/** A resource id as API Gateway shows it (6 lowercase letters and digits), stable for an API and path. */
function resourceIdOf(apiId: string, path: string): string {
  const digest = createHash('sha256').update(`${apiId}${path}`).digest();
  return Array.from(digest.subarray(0, 6), (byte) => 'abcdefghijklmnopqrstuvwxyz0123456789'[byte % 36]).join(
    '',
  );
}

const paramPattern = /^\{([a-zA-Z0-9._-]+)(\+?)\}$/;

/**
 * The API's resource tree, built from the route table with the checks API Gateway applies when the
 * resources are created: whole-segment `{params}`, `{greedy+}` last, one parameter name per level.
 */
export class ResourceTree {
  private readonly root: Resource;

  constructor(
    routes: readonly ApiRoute[],
    private readonly apiId: string,
  ) {
    this.root = this.resource('/');
    for (const route of routes) this.add(route);
  }

  private resource(path: string): Resource {
    return { path, id: resourceIdOf(this.apiId, path), literals: new Map(), methods: new Map() };
  }

  private add(route: ApiRoute): void {
    const invalid = (why: string) => new Error(`route ${route.method} ${route.path}: ${why}`);
    if (!route.path.startsWith('/')) throw invalid("a resource path starts with '/'");
    const segments = route.path === '/' ? [] : route.path.slice(1).split('/');
    let node = this.root;
    segments.forEach((segment, index) => {
      const path = `${node.path === '/' ? '' : node.path}/${segment}`;
      const param = paramPattern.exec(segment);
      if (!param) {
        if (!/^[a-zA-Z0-9._-]+$/.test(segment))
          throw invalid(`segment '${segment}' must be a literal of [a-zA-Z0-9._-] or a whole {parameter}`);
        const existing = node.literals.get(segment) ?? this.resource(path);
        node.literals.set(segment, existing);
        node = existing;
        return;
      }
      const [, name = '', plus] = param;
      const slot = plus ? 'greedy' : 'param';
      if (plus && index !== segments.length - 1) throw invalid(`greedy parameter {${name}+} must be last`);
      const sibling = node[slot];
      if (sibling && sibling.name !== name)
        throw invalid(
          `{${name}${plus}} conflicts with {${sibling.name}${plus}} at ${node.path}: one name per level`,
        );
      const child = sibling ?? { name, resource: this.resource(path) };
      node[slot] = child;
      node = child.resource;
    });
    if (node.methods.has(route.method)) throw invalid('declared twice');
    node.methods.set(route.method, route);
  }

  /**
   * The declared resource a request path falls on (literal segments before `{param}` before `{greedy+}`),
   * then its method (the exact one before `ANY`). Undefined when either is missing.
   */
  resolve(method: string, path: string): ResolvedRoute | undefined {
    const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    const segments = trimmed === '/' ? [] : trimmed.slice(1).split('/');
    const found = this.find(this.root, segments, {});
    if (!found) return undefined;
    const route = found.resource.methods.get(method as HttpMethod) ?? found.resource.methods.get('ANY');
    if (!route) return undefined;
    const names = Object.keys(found.params);
    return {
      route,
      resourcePath: found.resource.path,
      resourceId: found.resource.id,
      pathParameters: names.length === 0 ? null : found.params,
    };
  }

  private find(
    node: Resource,
    segments: string[],
    params: Record<string, string>,
  ): { resource: Resource; params: Record<string, string> } | undefined {
    if (segments.length === 0) return node.methods.size > 0 ? { resource: node, params } : undefined;
    const [segment = '', ...rest] = segments;
    if (segment === '') return undefined;
    const literal = node.literals.get(segment);
    const viaLiteral = literal && this.find(literal, rest, params);
    if (viaLiteral) return viaLiteral;
    if (node.param) {
      const viaParam = this.find(node.param.resource, rest, {
        ...params,
        [node.param.name]: decode(segment),
      });
      if (viaParam) return viaParam;
    }
    if (node.greedy && node.greedy.resource.methods.size > 0 && !segments.includes(''))
      return {
        resource: node.greedy.resource,
        params: { ...params, [node.greedy.name]: decode(segments.join('/')) },
      };
    return undefined;
  }
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
