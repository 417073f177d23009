// The request corpus (test/requests/), replayed against every front end: whole, byte by
// byte, first byte then the rest, and in seeded random splits, with the app reading the
// body in each of gunicorn's ways in turn. Each fixture must give exactly its expected
// requests to the app (never a smuggled one), a response for each, then its rejection
// or close; the app runs through the validator, which must find nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frontEnds, standalone, type Mounted } from './helpers/front-ends.js';
import { RawClient } from './helpers/raw.js';
import {
  comparable, EchoApp, expectedSeen, hash, readers, replay, seeded, senders, wanted, type Recorded, type Replayed,
} from './helpers/replay.js';
import { rulesOf, validated, type Validated } from './helpers/validated.js';
import { corpus, type Fixture } from './requests/index.js';

const TIMEOUT_MS = 3000;
const readerNames = Object.keys(readers) as Array<keyof typeof readers>;

it('holds at least 100 fixtures with unique names', () => {
  expect(corpus.length).toBeGreaterThanOrEqual(100);
  expect(new Set(corpus.map((fixture) => fixture.name)).size).toBe(corpus.length);
});

describe.each(frontEnds)('$name', (frontEnd) => {
  const echo = new EchoApp();
  let app: Validated;
  let mounted: Mounted;
  beforeAll(async () => {
    app = validated(echo.app);
    mounted = await frontEnd.mount(app);
  });
  afterAll(async () => {
    await mounted.close();
    expect(rulesOf(app.violations)).toEqual([]);
  });

  const fixtures = corpus.filter((fixture) =>
    (!fixture.standaloneOnly || frontEnd === standalone) && fixture.notOn?.[frontEnd.name] === undefined);
  describe.each(Object.entries(senders).map(([name, cut], index) => ({ name, cut, index })))('sent $name', (sender) => {
    const cases = fixtures.map((fixture, index) => ({ fixture, reader: readerNames[(index + sender.index) % readerNames.length]! }));
    describe.concurrent.each(cases)('$fixture.name', ({ fixture, reader }) => {
      it(`read with ${reader}`, async () => {
        const seed = hash(`${fixture.name} ${sender.name}`);
        const client = await RawClient.connect(mounted.port);
        const port = client.socket.localPort!; // gone once the socket closes
        echo.expect(port, reader, seed);
        try {
          const result = await replay(client, fixture, (bytes) => sender.cut(bytes, seeded(seed)), TIMEOUT_MS);
          judge(fixture, result, echo.seen.get(String(port)) ?? [], frontEnd === standalone);
        } finally {
          echo.forget(port);
          client.close();
        }
      });
    });
  });
});

/** The fixture's outcome, checked from what the client got and what the app recorded. */
function judge(fixture: Fixture, result: Replayed, recorded: Recorded[], exact: boolean): void {
  const expected = expectedSeen(fixture);
  const seen = recorded.filter((request) => request.complete);
  expect(seen.map((got, i) => comparable(expected[i] ?? { path: '?' }, got))).toEqual(expected.map(wanted));
  // Only a body that breaks part-way leaves the app without its whole body.
  expect(recorded.length - seen.length).toBeLessThanOrEqual(fixture.then === 'abort' ? 1 : 0);
  const statuses = result.responses.map((response) => response.status);
  const served = expected.map(() => 200);
  if (typeof fixture.then === 'number' || (fixture.then === 'abort' && statuses.length > 0)) {
    const refusal = result.responses.at(-1);
    expect(statuses.slice(0, -1)).toEqual(served);
    // The design's refusal is the standalone server's: this status, with Connection: close.
    // A framework's own server may pick another 4xx and only close (checked below).
    if (exact) expect(refusal?.header('connection')?.toLowerCase()).toBe('close');
    if (fixture.then === 'abort') expect(refusal?.status).toBeGreaterThanOrEqual(400);
    else if (exact) expect(refusal?.status).toBe(fixture.then);
    else expect(Math.floor((refusal?.status ?? 0) / 100)).toBe(4);
  } else {
    expect(statuses).toEqual(served);
  }
  expect(result.trailing).toBe('');
  expect(result.closed).toBe(true);
}
