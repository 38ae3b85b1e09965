import fc from 'fast-check';
import { ANY_UUID, KnownRef } from './known-values.js';
import { resolvePointer, type JsonSchema } from './operations.js';

/** How deep generated values nest before every schema is answered with a leaf. */
const MAX_DEPTH = 6;
/** Most items or extra keys generated for one array or open object. */
const MAX_COLLECTION = 6;

/**
 * Strings that have broken servers before: NUL and other control characters, a lone surrogate,
 * direction overrides, combining marks, byte-order marks, numbers and keywords in disguise, path
 * and SQL and template injection, percent-escapes.
 */
export const NASTY_STRINGS: readonly string[] = [
  '', ' ', '\t\n', '\u0000', 'a\u0000b', '\u0001\u001b\u007f', '\ud800', 'x\udfffy', '\u202eevil', '\u0085\u2028\u2029',
  'e\u0301\u0301', '\ufeff', '😀', '👩‍👩‍👧', 'Ⓢⓘⓢ', 'ﷺ', 'Ω≈ç√', '%00', '%zz', '%', '+', '..', '../../etc/passwd', 'C:\\con\\aux',
  "' OR 1=1 --", '"', '\\', '{}', '[]', 'null', 'true', '-1', '0', '1e400', 'NaN', '__proto__', 'constructor',
  '<script>alert(1)</script>', '${7*7}', '{{7*7}}', 'a'.repeat(256),
];

/** What the schema arbitraries need: the document its references point into. */
export interface ValueContext {
  document: object;
}

/** Text with NUL, other control characters, line separators and lone surrogates in it: what databases and terminals choke on. */
function controlText(minLength = 1, maxLength = 12): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom('\u0000', '\u0001', '\u001b', '\u007f', '\u0085', '\u2028', '\ud800', 'a', ' ', '😀'), minLength, maxLength });
}

/** A string of one of the {@link NASTY_STRINGS}, control characters, any code points, or a long run, at most `maxLength` units. */
export function nastyString(maxLength = 70_000): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...NASTY_STRINGS),
    controlText(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.tuple(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: 'grapheme', maxLength: 20 })).map(([a, b]) => a + b),
    fc.tuple(fc.constantFrom('a', 'é', '😀', '\u0000', ' ', '%'), fc.integer({ min: 1, max: maxLength })).map(([unit, n]) => unit.repeat(Math.max(1, Math.floor(n / unit.length)))),
  );
}

/** Numbers at the edges: signs, zero, fractions where integers go, past 2^53, past every limit. */
const edgeNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, -1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, Number.MIN_VALUE, 1e-7),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);

/** Any JSON value, small. */
const anyJson = fc.jsonValue({ maxDepth: 2 });

/**
 * JSON nested thousands of levels deep, where a schema allows any value: code that walks JSON
 * recursively (serialisers, validators, the database) runs out of stack on it.
 */
export class DeepJson {
  constructor(
    readonly depth: number,
    readonly arrays: boolean,
  ) {}

  /** The value as JSON text: `[[[…]]]` or `{"a":{"a":…1}}`. */
  text(): string {
    return this.arrays ? '['.repeat(this.depth) + ']'.repeat(this.depth) : '{"a":'.repeat(this.depth) + '1' + '}'.repeat(this.depth);
  }
}

const deepJson = fc.tuple(fc.integer({ min: 1000, max: 50_000 }), fc.boolean()).map(([depth, arrays]) => new DeepJson(depth, arrays));

/** Arbitraries for the values a JSON Schema accepts, and for values it should refuse. */
export class SchemaValues {
  readonly #context: ValueContext;

  constructor(context: ValueContext) {
    this.#context = context;
  }

  /**
   * Values the schema accepts, as far as JSON Schema says: rules kept only in code (refinements)
   * may still refuse some. Small values come more often than large ones, the schema's `example`
   * now and then, and for strings, half the time a {@link KnownRef}: a value seen in responses
   * under the same property name (any UUID seen, for a UUID), because that is where a service's
   * happy paths are.
   * @param name the property or parameter the value is for
   */
  valid(schema: JsonSchema, depth = 0, name?: string): fc.Arbitrary<unknown> {
    const s = this.#resolve(schema);
    if (depth > MAX_DEPTH) return fc.constant(null);
    if ('const' in s) return fc.constant(s.const);
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    const generated = this.#validByShape(s, depth);
    const withExample = 'example' in s ? fc.oneof({ weight: 1, arbitrary: fc.constant(s.example) }, { weight: 3, arbitrary: generated }) : generated;
    const known = s.format === 'uuid' ? ANY_UUID : name !== undefined && typesOf(s).includes('string') ? name : undefined;
    return known === undefined ? withExample : fc.oneof(withExample, fc.tuple(withExample, fc.nat()).map(([fallback, index]) => new KnownRef(known, index, fallback)));
  }

  /**
   * Values the schema should refuse, or that sit on its edges: the wrong type, a required key
   * dropped, an unknown key added, one nested value mutated, strings and numbers past their
   * limits, {@link NASTY_STRINGS}.
   */
  mutant(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
    const s = this.#resolve(schema);
    const wrongType = fc.oneof(nastyString(), edgeNumber, fc.boolean(), fc.constant(null), fc.array(anyJson, { maxLength: 3 }), fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }));
    const options: fc.Arbitrary<unknown>[] = [wrongType, nastyString()];
    const types = typesOf(s);
    if (types.includes('integer') || types.includes('number')) options.push(edgeNumber, ...this.#pastBounds(s));
    if (types.includes('string')) options.push(...this.#pastLength(s));
    if (types.includes('array') && depth < MAX_DEPTH) options.push(...this.#arrayMutants(s, depth));
    if (types.includes('object') && depth < MAX_DEPTH) options.push(...this.#objectMutants(s, depth), deepJson);
    return fc.oneof(...options);
  }

  #validByShape(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
    if (alternatives) return fc.oneof(...alternatives.map((alternative) => this.valid(alternative, depth + 1)));
    if (Array.isArray(s.allOf)) return this.valid(this.#merge(s.allOf as JsonSchema[]), depth + 1);
    const types = typesOf(s);
    if (types.length > 1) return fc.oneof(...types.map((type) => this.#validOfType({ ...s, type }, depth)));
    return this.#validOfType({ ...s, type: types[0] }, depth);
  }

  #validOfType(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    switch (s.type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
      case 'number': {
        const min = bound(s.minimum, s.exclusiveMinimum, 1);
        const max = bound(s.maximum, s.exclusiveMaximum, -1);
        if (s.type === 'number') return fc.double({ min: min ?? -1e9, max: max ?? 1e9, noNaN: true });
        const lo = Math.ceil(min ?? -(2 ** 31));
        const hi = Math.floor(max ?? 2 ** 31 - 1);
        // Near the lower bound is where sizes and counts are realistic.
        return fc.oneof(fc.integer({ min: lo, max: Math.min(hi, Math.max(lo, 0) + 1000) }), fc.integer({ min: lo, max: hi }));
      }
      case 'string':
        return this.#validString(s);
      case 'array': {
        const minLength = (s.minItems as number | undefined) ?? 0;
        const maxLength = Math.min((s.maxItems as number | undefined) ?? Infinity, minLength + MAX_COLLECTION);
        return fc.array(this.valid((s.items as JsonSchema | undefined) ?? {}, depth + 1), { minLength, maxLength });
      }
      case 'object':
        return this.#validObject(s, depth);
      default:
        return fc.oneof({ weight: 9, arbitrary: anyJson }, { weight: 1, arbitrary: deepJson });
    }
  }

  #validString(s: JsonSchema): fc.Arbitrary<string> {
    const minLength = (s.minLength as number | undefined) ?? 0;
    const maxLength = Math.min((s.maxLength as number | undefined) ?? Infinity, minLength + 80);
    const fits = (value: string) => value.length >= minLength && value.length <= ((s.maxLength as number | undefined) ?? Infinity);
    switch (s.format) {
      case 'uuid':
        return fc.uuid();
      case 'date-time':
        return fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
      case 'uri':
        return fc.webUrl();
    }
    if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern as string)).filter(fits);
    // One code point per unit, as JSON Schema counts length. A schema that does not forbid
    // control characters allows them, so valid text carries them now and then too.
    return fc.oneof(
      { weight: 4, arbitrary: fc.string({ minLength, maxLength }) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme-composite', minLength, maxLength }) },
      { weight: 1, arbitrary: controlText(Math.max(minLength, 1), Math.max(maxLength, 1)).filter(fits) },
    );
  }

  #validObject(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
    const required = (s.required ?? []) as string[];
    const known = fc.record(
      Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, this.valid(value, depth + 1, key)])),
      { requiredKeys: required.filter((key) => key in properties) },
    );
    const extra = s.additionalProperties;
    if (extra === undefined || extra === false || extra === true) return known;
    const open = fc.dictionary(this.#validString({ type: 'string', minLength: 1, maxLength: 20 }), this.valid(extra as JsonSchema, depth + 1), { maxKeys: MAX_COLLECTION });
    return fc.tuple(open, known).map(([more, fixed]) => ({ ...more, ...(fixed as object) }));
  }

  #pastBounds(s: JsonSchema): fc.Arbitrary<unknown>[] {
    const edges = [s.minimum, s.exclusiveMinimum, s.maximum, s.exclusiveMaximum].filter((v): v is number => typeof v === 'number');
    return edges.length ? [fc.constantFrom(...edges.flatMap((edge) => [edge - 1, edge, edge + 1, edge + 0.5, String(edge)]))] : [];
  }

  #pastLength(s: JsonSchema): fc.Arbitrary<unknown>[] {
    const options: fc.Arbitrary<unknown>[] = [];
    if (typeof s.maxLength === 'number') options.push(fc.constantFrom('x'.repeat(s.maxLength + 1), '😀'.repeat(s.maxLength), ' '.repeat(s.maxLength + 1)));
    if (typeof s.minLength === 'number' && s.minLength > 0) options.push(fc.constantFrom('x'.repeat(s.minLength - 1), ' '.repeat(s.minLength)));
    if (s.format === 'uuid') options.push(fc.constantFrom('00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a1', '0b6f3c1e8a524b8e9d335d1f0f6c2a10', '{0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10}'));
    if (s.format === 'date-time') options.push(fc.constantFrom('2026-02-30T00:00:00Z', '2026-11-25', '+275760-09-13T00:00:00.000Z', '0000-00-00T00:00:00Z', 'yesterday'));
    return options;
  }

  #arrayMutants(s: JsonSchema, depth: number): fc.Arbitrary<unknown>[] {
    const items = (s.items as JsonSchema | undefined) ?? {};
    const options: fc.Arbitrary<unknown>[] = [fc.constant([]), fc.array(this.mutant(items, depth + 1), { minLength: 1, maxLength: 3 })];
    if (typeof s.maxItems === 'number') options.push(fc.constant(Array.from({ length: (s.maxItems as number) + 1 }, () => ({}))));
    return options;
  }

  #objectMutants(s: JsonSchema, depth: number): fc.Arbitrary<unknown>[] {
    const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
    const required = ((s.required ?? []) as string[]).filter((key) => key in properties);
    const valid = this.#validObject(s, depth) as fc.Arbitrary<Record<string, unknown>>;
    const options: fc.Arbitrary<unknown>[] = [
      // Unknown keys, including ones that name Object.prototype's own.
      fc.tuple(valid, fc.constantFrom('extra', '__proto__', 'constructor', 'toString', ''), anyJson).map(([value, key, extra]) => ({ ...value, [key]: extra })),
    ];
    if (required.length) options.push(fc.tuple(valid, fc.constantFrom(...required)).map(([value, key]) => Object.fromEntries(Object.entries(value).filter(([k]) => k !== key))));
    const keys = Object.keys(properties);
    if (keys.length) {
      const oneMutated = fc.oneof(...keys.map((key) => fc.record({ key: fc.constant(key), value: this.mutant(properties[key]!, depth + 1) })));
      options.push(fc.tuple(valid, oneMutated).map(([value, { key, value: mutated }]) => ({ ...value, [key]: mutated })));
    }
    return options;
  }

  /** The schema itself, or what its `$ref` points at (followed until there is none). */
  #resolve(schema: JsonSchema): JsonSchema {
    let s = schema;
    for (let hops = 0; typeof s.$ref === 'string'; hops++) {
      if (hops > 20) throw new Error(`reference loop at ${s.$ref}`);
      const { $ref, ...rest } = s;
      s = { ...(resolvePointer(this.#context.document, $ref as string) as JsonSchema), ...rest };
    }
    return s;
  }

  /** allOf as one schema: their keywords together, properties and required lists merged. */
  #merge(schemas: JsonSchema[]): JsonSchema {
    return schemas.map((schema) => this.#resolve(schema)).reduce<JsonSchema>(
      (merged, s) => ({
        ...merged,
        ...s,
        properties: { ...(merged.properties as object), ...(s.properties as object) },
        required: [...((merged.required as string[]) ?? []), ...((s.required as string[]) ?? [])],
      }),
      {},
    );
  }
}

/** The JSON types a schema allows; a schema that names none allows what its keywords suggest. */
function typesOf(s: JsonSchema): string[] {
  if (Array.isArray(s.type)) return s.type as string[];
  if (typeof s.type === 'string') return [s.type];
  if (s.properties || s.additionalProperties) return ['object'];
  if (s.items) return ['array'];
  return [];
}

/** An inclusive bound from `minimum`/`exclusiveMinimum` (or the maximum pair, with `step` -1). */
function bound(inclusive: unknown, exclusive: unknown, step: 1 | -1): number | undefined {
  if (typeof exclusive === 'number') return exclusive + step;
  return typeof inclusive === 'number' ? inclusive : undefined;
}

