import { ListRootsCommand } from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../local/json-body';
import { awsJson, signedFetch } from '../e2e/signed-fetch';
import { type Harness, MANAGEMENT, startWithOrganization } from './harness';

let h: Harness & { rootId: string };

afterEach(async () => {
  await h?.close();
});

async function start() {
  const harness = await startWithOrganization();
  const { Roots } = await harness.org.send(new ListRootsCommand({}));
  h = { ...harness, rootId: Roots![0]!.Id! };
  return h;
}

/** Everything the emulator keeps and tells: its tables and the events it has published. */
const fingerprint = (harness: Harness) => ({
  state: JSON.stringify(harness.emulator.store.snapshot()),
  events: harness.emulator.events.lastSequence,
});

/** `levels` arrays, one inside the other, as JSON text. */
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('a request AWS would refuse changes nothing', () => {
  it('refuses a write carrying a member nested 3,000 levels deep with 400 SerializationException', async () => {
    // Prepare
    await start();
    const body = `{"ParentId":"${h.rootId}","Name":"Deep","Unknown":${nested(3000)}}`;
    const before = fingerprint(h);

    // Act
    const answers = [];
    for (let attempt = 0; attempt < 2; attempt++)
      answers.push(
        await signedFetch(h.server.url, {
          headers: awsJson('AWSOrganizationsV20161128.CreateOrganizationalUnit', '1.1'),
          body,
          service: 'organizations',
          accessKeyId: MANAGEMENT,
        }),
      );

    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.errorType).toBe('SerializationException');
      expect(answer.text).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
    }
    expect(fingerprint(h)).toEqual(before);
  });

  it('still accepts a write whose unknown member nests as deep as AWS allows', async () => {
    // Prepare
    await start();
    const body = `{"ParentId":"${h.rootId}","Name":"Deep","Unknown":${nested(MAX_JSON_DEPTH - 1)}}`;
    const before = h.emulator.events.lastSequence;

    // Act
    const answer = await signedFetch(h.server.url, {
      headers: awsJson('AWSOrganizationsV20161128.CreateOrganizationalUnit', '1.1'),
      body,
      service: 'organizations',
      accessKeyId: MANAGEMENT,
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(h.emulator.events.since(before).map(({ event }) => event.detail.eventName)).toEqual([
      'CreateOrganizationalUnit',
    ]);
  });

  it('commits nothing when the call event cannot be built', async () => {
    // Prepare: in process, no HTTP limit stands between the caller and the CloudTrail event
    await start();
    let unknown: unknown = [];
    for (let level = 0; level < 100_000; level++) unknown = [unknown];
    const before = fingerprint(h);

    // Act
    const call = () =>
      h.emulator.call(
        'CreateOrganizationalUnit',
        { ParentId: h.rootId, Name: 'Deep', Unknown: unknown },
        MANAGEMENT,
      );

    // Assess
    expect(call).toThrow(RangeError);
    expect(fingerprint(h)).toEqual(before);
  });
});
