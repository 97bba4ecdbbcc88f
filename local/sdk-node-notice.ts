import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// On Node 20 the AWS SDK prints, once per process, an eight-line NodeVersionSupportWarning (its releases after
// the first week of January 2027 need Node 22). Every orgflow command is a process: it would print it every
// time. The SDK's documented switch, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true, silences only that
// notice (other warnings still show); orgflow says it in one line, once per user, and remembers it did.

const SDK_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/** Where the notice is remembered as shown: $XDG_STATE_HOME/orgflow (~/.local/state/orgflow by default). */
const markerOf = (env: NodeJS.ProcessEnv) =>
  join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'orgflow', 'node-22-notice-shown');

/**
 * Before any SDK client is made: on Node below 22, turns the SDK's notice off for this process (and the workers
 * it starts) and, the first time for this user, writes one line saying what it was. A user who set the switch
 * either way keeps their choice.
 */
export function replaceSdkNodeNotice(
  write: (line: string) => void = (line) => process.stderr.write(line),
): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 22 || process.env[SDK_SWITCH] !== undefined) return;
  process.env[SDK_SWITCH] = 'true';
  const marker = markerOf(process.env);
  if (existsSync(marker)) return;
  write(
    `orgflow: note (shown once): Node ${process.versions.node} works; the AWS SDK's releases after the first week of January 2027 need Node 22 or later, see https://a.co/c895JFp\n`,
  );
  try {
    mkdirSync(join(marker, '..'), { recursive: true });
    writeFileSync(marker, `${new Date().toISOString()}\n`);
  } catch {
    // an unwritable home: the line shows again next time, which is all it costs
  }
}
