import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceSdkNodeNotice } from '../../local/sdk-node-notice';
import { temporaryDirectories } from '../temp-dirs';
import { orgflow } from './run-cli';

// The AWS SDK's eight-line notice that its 2027 releases need Node 22: on Node 20 orgflow says it in one line,
// once per user, and never prints the SDK's own; other warnings still show.

const tempDir = temporaryDirectories();
const onNode20 = Number(process.versions.node.split('.')[0]) < 22;

/** A data directory whose stack is held (by this process) but answers nowhere: `status` builds SDK clients. */
async function silentStack(): Promise<string> {
  const dir = tempDir('orgflow-notice-');
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  writeFileSync(join(dir, 'orgflow.lock'), `${process.pid}\n`);
  const endpoint = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'endpoints.json'),
    JSON.stringify({ organizations: endpoint, stepfunctions: endpoint }),
  );
  return dir;
}

describe("the SDK's Node 22 notice", () => {
  it.runIf(onNode20)('is one line the first time, then nothing, and never the SDK’s eight', async () => {
    // Prepare: a user who never saw it, with the SDK's switch unset
    const dataDir = await silentStack();
    const env = {
      XDG_STATE_HOME: tempDir('orgflow-state-'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
    };

    // Act
    const first = await orgflow(['status', '--data-dir', dataDir], { env });
    const second = await orgflow(['status', '--data-dir', dataDir], { env });

    // Assess
    const notice =
      /^orgflow: note \(shown once\): Node .* need Node 22 or later, see https:\/\/a\.co\/c895JFp$/m;
    expect(first.stderr).toMatch(notice);
    expect(first.stderr.match(/Node 22/g)).toHaveLength(1);
    expect(second.stderr).not.toMatch(/Node 22|NodeVersionSupportWarning/);
    for (const run of [first, second]) expect(run.stderr).toContain('the local stack is not running');
  });

  it('leaves other warnings as they are', async () => {
    // Prepare
    const saved = { ...process.env };
    delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    process.env.XDG_STATE_HOME = tempDir('orgflow-state-');
    const seen: string[] = [];
    const onWarning = (warning: Error) => seen.push(warning.message);
    process.on('warning', onWarning);

    // Act
    try {
      replaceSdkNodeNotice(() => {});
      process.emitWarning('another warning');
      await new Promise((turn) => setImmediate(turn));
    } finally {
      process.off('warning', onWarning);
      process.env = saved;
    }

    // Assess
    expect(seen).toEqual(['another warning']);
  });
});
