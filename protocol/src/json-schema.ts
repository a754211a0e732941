/**
 * The protocol's schemas (schema.ts) as JSON Schema, for the OpenAPI and OpenRPC documents: the
 * documents are made from the same definitions the receivers check with, so they cannot drift.
 */
import { SchemaNode } from './schema';

export type JsonSchema = { [key: string]: unknown };

export function toJsonSchema(node: SchemaNode): JsonSchema {
  switch (node.t) {
    case 'int':
      return { type: 'integer', minimum: node.min, maximum: node.max };
    case 'num':
      return { type: 'number', minimum: node.min, maximum: node.max };
    case 'str': {
      var s: JsonSchema = { type: 'string', maxLength: node.max };
      if (node.pattern) s.pattern = node.pattern.source;
      return s;
    }
    case 'enum':
      return { type: 'string', enum: node.values.slice() };
    case 'bool':
      return { type: 'boolean' };
    case 'arr':
      return { type: 'array', items: toJsonSchema(node.of), maxItems: node.max };
    case 'json':
      return { description: 'Any JSON value of at most ' + node.maxBytes + ' characters of JSON text.' };
    case 'obj': {
      var props: { [key: string]: JsonSchema } = {};
      var required: string[] = [];
      var optional = node.optional || [];
      for (var k in node.props) {
        if (!Object.prototype.hasOwnProperty.call(node.props, k)) continue;
        props[k] = toJsonSchema(node.props[k]);
        if (optional.indexOf(k) < 0) required.push(k);
      }
      var o: JsonSchema = { type: 'object', properties: props, additionalProperties: false };
      if (required.length) o.required = required;
      return o;
    }
  }
}
