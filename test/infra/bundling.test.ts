import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { functions } from '../../catalog/functions';
import { LambdaFunctions } from '../../infra/lambda-functions';
import { repoRoot } from '../../infra/paths';
import { temporaryDirectories } from '../temp-dirs';

const tempDir = temporaryDirectories();

// the stack test skips bundling; this one bundles one function as `cdk synth` does, with the local esbuild
describe('bundling', () => {
  it('bundles a handler with the local esbuild, without Docker, into one ESM file that loads', async () => {
    // Prepare
    const outdir = tempDir('orgflow-cdk-');
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Bundling', { env: { region: 'us-east-1' } });
    const definition = functions.MoveAccount;
    new LambdaFunctions(stack, 'Functions', {
      projectRoot: repoRoot,
      serviceName: 'orgflow',
      functions: [
        {
          name: 'MoveAccount',
          entry: join(repoRoot, definition.entry),
          handler: definition.handler,
          timeout: Duration.seconds(definition.timeoutSeconds),
          memorySize: definition.memoryMb,
          environment: {},
          statements: [],
        },
      ],
    });

    // Act
    app.synth();

    // Assess
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    const code = readFileSync(join(outdir, assets[0]!, 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire } from 'node:module';")).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
    // the SDK is bundled: the versions the tests ran against, not the runtime's
    expect(code).not.toMatch(/from\s*"@aws-sdk\//);
    const bundle = (await import(pathToFileURL(join(outdir, assets[0]!, 'index.mjs')).href)) as {
      handler?: unknown;
    };
    expect(typeof bundle.handler).toBe('function');
  }, 60_000);
});
