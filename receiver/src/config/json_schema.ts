// CONFIG_SCHEMA as JSON Schema (draft 2020-12), for editors; the published
// copy is config/bpfaudit.schema.json and a test keeps the two equal.
// Usage: node dist/config/json_schema.js > config/bpfaudit.schema.json
import { DEFAULT_CONFIG } from './defaults';
import { CONFIG_SCHEMA, type SchemaNode } from './schema';

type Json = Record<string, unknown>;

function convert(node: SchemaNode, defaults: unknown): Json {
  const withDefault = (j: Json): Json => (defaults === undefined || typeof defaults === 'object' ? j : { ...j, default: defaults });
  switch (node.kind) {
    case 'bool':
      return withDefault({ type: 'boolean' });
    case 'int':
      return withDefault({ type: 'integer', minimum: node.min, maximum: node.max, ...(node.powerOfTwo ? { description: 'a power of two' } : {}) });
    case 'string':
      return withDefault({
        type: 'string',
        ...(node.enum ? { enum: [...node.enum] } : {}),
        ...(node.pattern ? { pattern: node.pattern.source } : {}),
        ...(node.describe ? { description: node.describe } : {}),
      });
    case 'scalar':
      return { type: ['string', 'number', 'boolean'] };
    case 'negatable':
      return { oneOf: [{ type: 'integer', minimum: node.min, maximum: node.max }, { type: 'string', pattern: '^!\\s*\\d+$' }] };
    case 'either':
      return { oneOf: [convert(node.string, undefined), convert(node.object, undefined)] };
    case 'map':
      return { type: 'object', additionalProperties: convert(node.values, undefined) };
    case 'array':
      return {
        type: 'array',
        items: convert(node.items, undefined),
        ...(node.minItems ? { minItems: node.minItems } : {}),
        ...(node.unique ? { uniqueItems: true } : {}),
        ...(Array.isArray(defaults) ? { default: defaults } : {}),
      };
    case 'tagged':
      return {
        oneOf: Object.entries(node.variants).map(([tag, v]) => {
          const obj = convert(v, undefined);
          const props = { ...(obj.properties as Json), [node.tag]: { const: tag } };
          return { ...obj, properties: props, required: [node.tag, ...((obj.required as string[]) ?? [])] };
        }),
      };
    case 'object': {
      const d = (defaults ?? {}) as Record<string, unknown>;
      return {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(Object.entries(node.fields).map(([k, v]) => [k, convert(v, d[k])])),
        ...(node.required ? { required: [...node.required] } : {}),
        ...(node.emptyMessage ? { minProperties: 1 } : {}),
      };
    }
  }
}

export function configJsonSchema(): Json {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:bpfaudit:config',
    title: 'bpfaudit configuration',
    ...convert(CONFIG_SCHEMA, DEFAULT_CONFIG),
  };
}

if (require.main === module) process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
