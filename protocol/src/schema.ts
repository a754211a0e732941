/**
 * A tiny schema checker that runs in ES5 (the device bundle includes it), so both sides validate
 * with the same rules. A schema describes one JSON value; `check` returns null when the value fits,
 * or a short path-qualified reason.
 */
/** The runtime description of one JSON value; the builders below make them. */
export type SchemaNode =
  | { t: 'int'; min: number; max: number }
  | { t: 'num'; min: number; max: number }
  | { t: 'str'; max: number; pattern?: RegExp }
  | { t: 'enum'; values: string[] }
  | { t: 'bool' }
  | { t: 'arr'; of: SchemaNode; max: number }
  | { t: 'obj'; props: { [key: string]: SchemaNode }; optional?: string[] }
  | { t: 'json'; maxBytes: number };

/**
 * A schema that also carries, for the compiler only, the TypeScript type of the values it
 * accepts: `Infer<typeof S>` is that type. So a message is written once, as a schema, and its
 * type comes from it; nothing of `__type` exists at run time.
 */
export type Schema<T = unknown> = SchemaNode & { readonly __type?: T };

/** The type of the values a schema accepts. */
export type Infer<S> = S extends { readonly __type?: infer T } ? T : never;

type Props = { [key: string]: Schema<unknown> };
/** Flattens an intersection into one object type, so editors show it plainly. */
type Flat<T> = { [K in keyof T]: T[K] };
export type ObjectOf<P extends Props, O extends keyof P> = Flat<
  { [K in Exclude<keyof P, O>]: Infer<P[K]> } & { [K in O]?: Infer<P[K]> }
>;

export function int(min: number, max: number): Schema<number> {
  return { t: 'int', min: min, max: max };
}
export function num(min: number, max: number): Schema<number> {
  return { t: 'num', min: min, max: max };
}
export function str(max: number, pattern?: RegExp): Schema<string> {
  return { t: 'str', max: max, pattern: pattern };
}
export function oneOf<const V extends string>(values: readonly V[]): Schema<V> {
  return { t: 'enum', values: values as unknown as string[] };
}
export function bool(): Schema<boolean> {
  return { t: 'bool' };
}
export function arr<T>(of: Schema<T>, max: number): Schema<T[]> {
  return { t: 'arr', of: of, max: max };
}
/**
 * Any JSON value (an app message's payload) whose JSON text is at most `maxBytes` long. Only
 * values that survive JSON round trips: no undefined, functions or non-finite numbers.
 */
export function json(maxBytes: number): Schema<unknown> {
  return { t: 'json', maxBytes: maxBytes };
}
export function obj<P extends Props, O extends keyof P & string = never>(props: P, optional?: O[]): Schema<ObjectOf<P, O>> {
  return { t: 'obj', props: props, optional: optional };
}

function has(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

export function check(schema: SchemaNode, value: unknown, path?: string): string | null {
  var at = path || 'params';
  switch (schema.t) {
    case 'int':
    case 'num':
      if (typeof value !== 'number' || value !== value || value === Infinity || value === -Infinity) {
        return at + ' must be a number';
      }
      if (schema.t === 'int' && Math.floor(value) !== value) return at + ' must be an integer';
      if (value < schema.min || value > schema.max) {
        return at + ' must be within ' + schema.min + '..' + schema.max;
      }
      return null;
    case 'str':
      if (typeof value !== 'string') return at + ' must be a string';
      if (value.length > schema.max) return at + ' is longer than ' + schema.max;
      if (schema.pattern && !schema.pattern.test(value)) return at + ' has an illegal format';
      return null;
    case 'enum':
      for (var i = 0; i < schema.values.length; i++) if (schema.values[i] === value) return null;
      return at + ' must be one of ' + schema.values.join(', ');
    case 'bool':
      return typeof value === 'boolean' ? null : at + ' must be a boolean';
    case 'arr':
      if (Object.prototype.toString.call(value) !== '[object Array]') return at + ' must be an array';
      var list = value as unknown[];
      if (list.length > schema.max) return at + ' has more than ' + schema.max + ' items';
      for (var j = 0; j < list.length; j++) {
        var e = check(schema.of, list[j], at + '[' + j + ']');
        if (e) return e;
      }
      return null;
    case 'obj':
      if (typeof value !== 'object' || value === null || Object.prototype.toString.call(value) === '[object Array]') {
        return at + ' must be an object';
      }
      var o = value as { [key: string]: unknown };
      for (var k in o) {
        if (has(o, k) && !has(schema.props, k)) return at + '.' + k + ' is not allowed';
      }
      var optional = schema.optional || [];
      for (var p in schema.props) {
        if (!has(schema.props, p)) continue;
        if (!has(o, p)) {
          var isOptional = false;
          for (var q = 0; q < optional.length; q++) if (optional[q] === p) isOptional = true;
          if (isOptional) continue;
          return at + '.' + p + ' is required';
        }
        var err = check(schema.props[p], o[p], at + '.' + p);
        if (err) return err;
      }
      return null;
    case 'json':
      var text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (_e) {
        return at + ' must be JSON';
      }
      if (text === undefined) return at + ' must be JSON';
      if (text.length > schema.maxBytes) return at + ' is longer than ' + schema.maxBytes + ' characters of JSON';
      return null;
  }
  return at + ' has an unknown schema';
}
