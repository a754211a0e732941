/**
 * A tiny schema checker that runs in ES5 (the device bundle includes it), so both sides validate
 * with the same rules. A schema describes one JSON value; `check` returns null when the value fits,
 * or a short path-qualified reason.
 */
export type Schema =
  | { t: 'int'; min: number; max: number }
  | { t: 'num'; min: number; max: number }
  | { t: 'str'; max: number; pattern?: RegExp }
  | { t: 'enum'; values: string[] }
  | { t: 'bool' }
  | { t: 'arr'; of: Schema; max: number }
  | { t: 'obj'; props: { [key: string]: Schema }; optional?: string[] };

export function int(min: number, max: number): Schema {
  return { t: 'int', min: min, max: max };
}
export function num(min: number, max: number): Schema {
  return { t: 'num', min: min, max: max };
}
export function str(max: number, pattern?: RegExp): Schema {
  return { t: 'str', max: max, pattern: pattern };
}
export function oneOf(values: string[]): Schema {
  return { t: 'enum', values: values };
}
export function bool(): Schema {
  return { t: 'bool' };
}
export function arr(of: Schema, max: number): Schema {
  return { t: 'arr', of: of, max: max };
}
export function obj(props: { [key: string]: Schema }, optional?: string[]): Schema {
  return { t: 'obj', props: props, optional: optional };
}

function has(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

export function check(schema: Schema, value: unknown, path?: string): string | null {
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
  }
  return at + ' has an unknown schema';
}
