/**
 * Reads Prometheus' text exposition (format 0.0.4) as a scraper would: `# TYPE` lines and one
 * sample per line, `name{label="value",…} number`. Any line it cannot read fails the test.
 */
import assert from 'node:assert/strict';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;

function number(text: string, line: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text.toLowerCase() === 'nan') return Number.NaN;
  const value = Number(text);
  assert.ok(!Number.isNaN(value), `not a sample value: ${line}`);
  return value;
}

function labels(text: string, line: string): Record<string, string> {
  const out: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    assert.ok(match, `unreadable labels in: ${line}`);
    const [, name, raw] = match as unknown as [string, string, string];
    out[name] = raw.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return out;
}

export class Exposition {
  readonly samples: Sample[] = [];
  /** Metric family name → counter | gauge | histogram | summary | untyped. */
  readonly types = new Map<string, string>();

  constructor(readonly text: string) {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('#')) {
        const type = /^# TYPE (\S+) (\S+)$/.exec(line);
        if (type) this.types.set(type[1] as string, type[2] as string);
        continue;
      }
      const match = SAMPLE.exec(line);
      assert.ok(match, `not a sample line: ${line}`);
      const [, name, labelText, value] = match as unknown as [string, string, string | undefined, string];
      this.samples.push({ name, labels: labelText ? labels(labelText, line) : {}, value: number(value, line) });
    }
  }

  /** The sample with exactly these labels, or undefined. */
  sample(name: string, wanted: Record<string, string> = {}): Sample | undefined {
    const keys = Object.keys(wanted);
    return this.samples.find(
      (s) =>
        s.name === name && Object.keys(s.labels).length === keys.length && keys.every((k) => s.labels[k] === wanted[k]),
    );
  }

  /** The value of the sample with exactly these labels; a series not shown yet counts as 0. */
  value(name: string, wanted: Record<string, string> = {}): number {
    return this.sample(name, wanted)?.value ?? 0;
  }

  /** Every sample of one name. */
  all(name: string): Sample[] {
    return this.samples.filter((s) => s.name === name);
  }
}

/** GET <url>/metrics, checked to be Prometheus text. */
export async function scrape(baseUrl: string): Promise<Exposition> {
  const response = await fetch(`${baseUrl}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return new Exposition(await response.text());
}
