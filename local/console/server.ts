import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import type { ClosureConfig } from '../../functions/account-closure/closure-config';
import type { ReactionsConfig } from '../../functions/reactions/reactions-config';
import { type RunningServer, serveHttp } from '../http-server';
import { ExecutionReader } from './execution';
import { type OrganizationReaderOptions, readOrganizationView, readTargetDetails } from './organization';
import { RunsReader } from './runs';

// The console: one page and its script (page/, bundled by esbuild at the first request), and a small read-only
// JSON API over the services' own APIs (the clients it is given): the organization, the runs with the quota
// picture, one execution. The page polls it; reads are shared between pages for a moment so that any number of
// tabs costs the services what one does.

const page = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'page');

export interface ConsoleOptions {
  organizations: OrganizationsClient;
  sfn: SFNClient;
  db: DynamoDBDocumentClient;
  /** the governor table (quotas, reactions' records) */
  table: string;
  /** the time the workflows tell (the local stack's virtual clock) */
  now: () => number;
  closureConfig?: ClosureConfig | undefined;
  reactionsConfig?: ReactionsConfig | undefined;
  port?: number;
  host?: string;
  onInternalError?: (error: unknown) => void;
}

/** `read` at most once per `ms`, concurrent callers sharing one read. */
function shared<T>(ms: number, read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const at = Date.now();
    if (!last || at - last.at >= ms) {
      const value = read();
      last = { at, value };
      value.catch(() => {
        if (last?.value === value) last = undefined;
      });
    }
    return last.value;
  };
}

let bundle: Promise<string> | undefined;

/** The page's script: page/console.ts and what it imports (dagre), one ES module. */
export function consoleScript(): Promise<string> {
  bundle ??= build({
    entryPoints: [join(page, 'console.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    tsconfig: join(page, 'tsconfig.json'),
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]!.text);
  bundle.catch(() => {
    bundle = undefined;
  });
  return bundle;
}

export async function startConsoleServer(options: ConsoleOptions): Promise<RunningServer> {
  const orgOptions: OrganizationReaderOptions = {
    organizations: options.organizations,
    closureConfig: options.closureConfig,
    reactionsConfig: options.reactionsConfig,
  };
  const organization = shared(2000, () => readOrganizationView(orgOptions));
  const runsReader = new RunsReader({
    sfn: options.sfn,
    db: options.db,
    table: options.table,
    now: options.now,
  });
  const runs = shared(500, () => runsReader.read());
  const executions = new ExecutionReader(options.sfn);
  const onInternalError =
    options.onInternalError ?? ((error: unknown) => console.error('orgflow console:', error));

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'self'; style-src 'self'; img-src 'self' data:",
    });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown) =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

  const routes: [RegExp, (match: RegExpExecArray, url: URL) => Promise<[string, string] | unknown>][] = [
    [/^\/$/, async () => ['text/html; charset=utf-8', readFileSync(join(page, 'index.html'), 'utf8')]],
    [
      /^\/console\.css$/,
      async () => ['text/css; charset=utf-8', readFileSync(join(page, 'console.css'), 'utf8')],
    ],
    [/^\/console\.js$/, async () => ['text/javascript; charset=utf-8', await consoleScript()]],
    [/^\/api\/organization$/, () => organization()],
    [
      /^\/api\/targets\/([\w-]+)$/,
      (match, url) => readTargetDetails(orgOptions, match[1]!, url.searchParams.getAll('name')),
    ],
    [/^\/api\/runs$/, () => runs()],
    [/^\/api\/executions\/(arn:aws:states:[\w:.-]+)$/, (match) => executions.read(match[1]!)],
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://console');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return json(res, 405, { message: 'the console only reads' });
    const path = decodeURIComponent(url.pathname);
    for (const [pattern, route] of routes) {
      const match = pattern.exec(path);
      if (!match) continue;
      try {
        const result = await route(match, url);
        if (
          Array.isArray(result) &&
          result.length === 2 &&
          typeof result[1] === 'string' &&
          !path.startsWith('/api/')
        )
          return send(res, 200, result[0], result[1]);
        return json(res, 200, result);
      } catch (error) {
        const name = (error as Error).name;
        if (
          name === 'ExecutionDoesNotExist' ||
          name === 'TargetNotFoundException' ||
          name === 'AccountNotFoundException'
        )
          return json(res, 404, { message: (error as Error).message });
        onInternalError(error);
        return json(res, 502, { message: `${name}: ${(error as Error).message}` });
      }
    }
    return json(res, 404, { message: `no such page: ${path}` });
  };
  return serveHttp((req, _body, res) => void handle(req, res), {
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    maxBodyBytes: 0,
    tooLarge: (_req, res) => json(res, 413, { message: 'the console takes no request bodies' }),
  });
}
