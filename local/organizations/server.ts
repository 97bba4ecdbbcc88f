import {
  type AwsJsonDialect,
  type AwsJsonOperation,
  type AwsJsonServerOptions,
  type RunningServer,
  serveAwsJson,
} from '../aws-json';
import { adminPrefix, handleAdmin } from './admin';
import { OrganizationsEmulator } from './emulator';

export type { RunningServer };

export type ServerOptions = AwsJsonServerOptions;

/** AWS JSON 1.1, `X-Amz-Target: AWSOrganizationsV20161128.<Operation>`, errors as `{ __type, Message, Reason? }` */
const organizations: AwsJsonDialect = {
  service: 'AWS Organizations',
  targetPrefix: 'AWSOrganizationsV20161128',
  contentTypes: ['application/x-amz-json-1.1'],
  messageMember: 'Message',
  errorTypes: { internal: 'ServiceException', tooLarge: 'SerializationException' },
};

/** Serves the emulator over HTTP on loopback, its admin endpoint beside; `port: 0` picks a free port. */
export function startOrganizationsServer(
  emulator: OrganizationsEmulator,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const call: AwsJsonOperation = (input, { operation, caller, requestId, request }) => {
    const userAgent = request.headers['user-agent'];
    const sourceIp = request.socket.remoteAddress ?? '127.0.0.1';
    const identity = { ...caller, sourceIp, ...(userAgent ? { userAgent } : {}) };
    return emulator.call(operation, input, identity, requestId);
  };
  return serveAwsJson(
    {
      ...organizations,
      operations: Object.fromEntries(OrganizationsEmulator.operationNames.map((name) => [name, call])),
      keyOwners: emulator.keyOwners,
      // fault injection: an answer held back
      delayMs: (operation) => emulator.faults.latencyMs(operation),
      routes: { [adminPrefix]: (req, body, res) => handleAdmin(emulator, req, body, res) },
    },
    options,
  );
}
