import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../receiver/src/config/json_schema';

describe('config/bpfaudit.schema.json', () => {
  it('is the JSON Schema of the validator (regenerate: node dist/config/json_schema.js > config/bpfaudit.schema.json)', () => {
    const published = JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'bpfaudit.schema.json'), 'utf8'));
    expect(published).toEqual(configJsonSchema());
  });

  it('closes every object to unknown keys and carries the defaults', () => {
    const s = configJsonSchema() as any;
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.probes.properties.exec.properties.max_args).toMatchObject({ type: 'integer', minimum: 1, maximum: 1024, default: 64 });
    expect(s.properties.dedup.properties.kinds.default).toEqual(['network.tcp.connect', 'network.tcp.accept', 'network.tcp.close']);
  });
});
