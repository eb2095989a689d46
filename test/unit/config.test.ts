// Golden fixtures: every valid file parses, every invalid file yields
// exactly the messages in its .errors file (path, line, reason).
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, parseConfigWithWarnings } from '../../receiver/src/config/load';
import { DEFAULT_CONFIG } from '../../receiver/src/config/defaults';

const dir = join(__dirname, '..', 'fixtures', 'config');
const yamls = (sub: string) => readdirSync(join(dir, sub)).filter((f) => f.endsWith('.yaml'));

const examples = join(__dirname, '..', '..', 'config');

describe('valid configs', () => {
  for (const file of yamls('valid')) {
    it(file, () => {
      expect(() => parseConfig(readFileSync(join(dir, 'valid', file), 'utf8'), file)).not.toThrow();
    });
  }
  for (const file of readdirSync(examples).filter((f) => f.endsWith('.yaml'))) {
    it(`example config/${file}`, () => {
      expect(() => parseConfig(readFileSync(join(examples, file), 'utf8'), file)).not.toThrow();
    });
  }

  it('a rule for a binary this host lacks is a warning, not an error', () => {
    const { warnings } = parseConfigWithWarnings('filters: { ignore: [ "/nonexistent/sshd|p<22>", { exe: /usr/bin/env } ] }\n', 'w.yaml');
    expect(warnings).toEqual(['w.yaml:1: filters.ignore[0]: /nonexistent/sshd does not exist on this host: the rule is skipped']);
  });

  it('applies defaults under partial settings and per exporter', () => {
    const c = parseConfig(readFileSync(join(dir, 'valid', 'partial.yaml'), 'utf8'));
    expect(c.probes.tcp).toEqual({ connect: true, accept: false, close: true });
    expect(c.probes.exec).toEqual(DEFAULT_CONFIG.probes.exec);
    expect(c.exporters).toEqual([
      { type: 'file', path: '/tmp/bpfaudit.jsonl', format: 'jsonl' },
      { type: 'stdout', format: 'text' },
    ]);
    expect(c.limits).toEqual(DEFAULT_CONFIG.limits);
  });

  it('no file means the embedded default, and the default is not shared mutable state', () => {
    const c = loadConfig(undefined);
    expect(c).toEqual(DEFAULT_CONFIG);
    c.probes.exec.enabled = false;
    expect(DEFAULT_CONFIG.probes.exec.enabled).toBe(true);
  });
});

describe('invalid configs', () => {
  for (const file of yamls('invalid')) {
    it(file, () => {
      const path = join(dir, 'invalid', file);
      let message = '';
      try {
        parseConfig(readFileSync(path, 'utf8'), file);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        message = (e as Error).message + '\n';
      }
      const golden = path.replace(/\.yaml$/, '.errors');
      if (process.env.UPDATE_GOLDEN && !existsSync(golden)) writeFileSync(golden, message);
      expect(message).toBe(readFileSync(golden, 'utf8'));
    });
  }

  it('an unreadable file is a ConfigError naming the file', () => {
    expect(() => loadConfig('/nonexistent/bpfaudit.yaml')).toThrow(/\/nonexistent\/bpfaudit.yaml:1: \(top level\): cannot read: ENOENT/);
  });
});
