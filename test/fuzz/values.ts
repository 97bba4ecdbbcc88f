import { MAX_JSON_DEPTH } from '../../local/json-body';
import type { RandomSource } from '../../local/random';

/** Draws from a seeded source: the whole run is replayed by its seed. */
export class Draw {
  constructor(private readonly random: RandomSource) {}

  /** an integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.random.next() * n);
  }

  chance(p: number): boolean {
    return this.random.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('nothing to pick from');
    return items[this.int(items.length)] as T;
  }

  /** one of `weighted`'s keys, each as likely as its weight */
  weighted<K extends string>(weighted: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weighted) as [K, number][];
    let left = this.random.next() * entries.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [key, weight] of entries) {
      left -= weight;
      if (left < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }
}

/**
 * A value spliced into JSON text as is: nesting too deep for `JSON.stringify` (or for a parser) and text that is
 * not JSON at all are written this way.
 */
export class Raw {
  constructor(readonly text: string) {}
}

/** JSON text of `value`, with every {@link Raw} written verbatim; builds no deep structure on the way. */
export function jsonText(value: unknown): string {
  const raws: string[] = [];
  const marked = JSON.stringify(value, (_key, item: unknown) => {
    if (!(item instanceof Raw)) return item;
    raws.push(item.text);
    return `\u0000raw${raws.length - 1}\u0000`;
  });
  return (marked ?? '').replace(/"\\u0000raw(\d+)\\u0000"/g, (_match, index: string) => raws[Number(index)]!);
}

/** `levels` containers one inside the other, alternating arrays and objects with an unknown member. */
export function nested(levels: number): Raw {
  const opening: string[] = [];
  const closing: string[] = [];
  for (let level = 0; level < levels; level++) {
    const array = level % 2 === 0;
    opening.push(array ? '[' : '{"x":');
    closing.push(array ? ']' : '}');
  }
  return new Raw(`${opening.join('')}0${closing.reverse().join('')}`);
}

/** Depths around the services' limit and far beyond it. */
export const depths = [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 3_000, 10_000, 100_000];

/** About 1 MB: some bodies stay under the services' 1 MiB limit, some go over. */
export function huge(draw: Draw): string {
  const size = draw.pick([300_000, 1_000_000, 1_100_000]);
  return draw.pick(['x', 'é', '𝕏', '\\', '"', '\u0000']).repeat(size);
}

/** A member value of the wrong JSON type, or an edge of the right one. */
export function wrongValue(draw: Draw): unknown {
  return draw.pick<unknown>([
    0,
    -1,
    1.5,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    true,
    false,
    null,
    '',
    ' ',
    'x'.repeat(5_000),
    '\u0000',
    '🙂',
    '../../etc/passwd',
    '%s%n%x',
    [],
    ['a', 1, null],
    {},
    { nested: { deeper: [1, { x: 'y' }] } },
    new Raw('-0'),
    new Raw('1e999'),
  ]);
}

/** Text sent where JSON was expected: truncated, trailing garbage, not an object, not UTF-8. */
export function malformedBody(draw: Draw, valid: string): string | Buffer {
  switch (draw.int(9)) {
    case 0:
      return valid.slice(0, Math.max(1, draw.int(valid.length)));
    case 1:
      return `${valid}}`;
    case 2:
      return draw.pick(['[]', '"text"', '42', 'null', 'true']);
    case 3:
      return '';
    case 4:
      return draw.pick(['{', '}', '{"a":}', "{'a':1}", '{"a":1,}', 'NaN', '{"a":01}']);
    case 5:
      return Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]);
    case 6:
      return `{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}`;
    case 7:
      return `${'['.repeat(200_000)}`;
    default:
      return valid.replace(/"/g, '');
  }
}

/** Pagination tokens nobody gave out, or gave out for something else. */
export function badToken(draw: Draw, seen: readonly string[]): string {
  const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const candidates = [
    'garbage',
    '',
    '%%%',
    'x'.repeat(draw.pick([100, 3_097, 100_001])),
    forged({ p: -1 }),
    forged({ p: 1e12 }),
    forged({ p: 'x' }),
    forged({ o: 5, sig: 'forged' }),
    Buffer.from('offset:999999').toString('base64url'),
    Buffer.from('offset:-1').toString('base64url'),
    forged(null),
  ];
  if (seen.length > 0) {
    const real = draw.pick(seen);
    candidates.push(real, `${real}x`, real.slice(0, -2), real.split('').reverse().join(''));
  }
  return draw.pick(candidates);
}
