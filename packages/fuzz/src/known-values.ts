/** How many values are kept per name; the oldest go first. */
const MAX_PER_NAME = 50;
/** How many names are kept: responses echo free-form metadata, whose keys are the fuzzer's own inventions. */
const MAX_NAMES = 1000;
/** Where every UUID seen is kept, whatever its property is called. */
export const ANY_UUID = '(uuid)';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A value generated as "one seen in a response under `name`", settled only when the request is
 * sent (the responses it draws on come in while the run goes on), or `fallback` when none was.
 */
export class KnownRef {
  constructor(
    readonly name: string,
    readonly index: number,
    readonly fallback: unknown,
  ) {}
}

/**
 * Values seen in responses, by the property that held them, and every UUID: requests take them
 * up so that they reach resources that exist (an image's id, a batch's, a taken name, a known
 * hash), not only 404s.
 */
export class KnownValues {
  readonly #values = new Map<string, string[]>();

  /** A value seen under `name`, chosen by `index` (any number; it wraps), or undefined when none was seen. */
  pick(name: string, index: number): string | undefined {
    const values = this.#values.get(name);
    return values?.length ? values[index % values.length] : undefined;
  }

  /** `value` with every {@link KnownRef} in it replaced by a value seen, or its fallback. */
  settle(value: unknown): unknown {
    if (value instanceof KnownRef) return this.pick(value.name, value.index) ?? value.fallback;
    if (Array.isArray(value)) return value.map((v) => this.settle(v));
    // Generated objects are plain (fast-check makes some without a prototype); others, DeepJson, are written out as they are.
    if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.settle(v)]));
    }
    return value;
  }

  /** Collects every string property of a response body, however deep. */
  collect(body: unknown): void {
    const pending = [body];
    for (let visited = 0; pending.length && visited < 10_000; visited++) {
      const value = pending.pop();
      if (value === null || typeof value !== 'object') continue;
      // An array's strings have no property name to go by.
      if (Array.isArray(value)) {
        pending.push(...value);
        continue;
      }
      for (const [key, inner] of Object.entries(value)) {
        if (typeof inner === 'string') {
          this.#add(key, inner);
          if (UUID.test(inner)) this.#add(ANY_UUID, inner);
        } else if (typeof inner === 'object') pending.push(inner);
      }
    }
  }

  #add(name: string, value: string): void {
    const values = this.#values.get(name) ?? [];
    if (values.includes(value)) return;
    if (!values.length && this.#values.size >= MAX_NAMES) return;
    values.push(value);
    if (values.length > MAX_PER_NAME) values.shift();
    this.#values.set(name, values);
  }
}
