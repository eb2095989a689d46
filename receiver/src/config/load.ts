// Config file -> validated Config with defaults applied, or a ConfigError
// listing every problem with its line.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { DEFAULT_CONFIG, EXPORTER_DEFAULTS } from './defaults';
import { CONFIG_SCHEMA } from './schema';
import type { Config } from './types';
import { formatProblem, Validator, type ConfigProblem } from './validate';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'ConfigError';
  }
}

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; lists and scalars from the file replace the default. */
function merge<T>(base: T, over: unknown): T {
  if (!isPlain(base) || !isPlain(over)) return (over === undefined ? structuredClone(base) : over) as T;
  const out: Plain = {};
  for (const key of new Set([...Object.keys(base), ...Object.keys(over)])) {
    out[key] = merge((base as Plain)[key], over[key]);
  }
  return out as T;
}

export interface LoadedConfig {
  config: Config;
  /** notes about a valid file, e.g. a rule for a binary this host does not have */
  warnings: string[];
}

export function parseConfig(text: string, file = '<config>'): Config {
  return parseConfigWithWarnings(text, file).config;
}

export function parseConfigWithWarnings(text: string, file = '<config>'): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const problems: ConfigProblem[] = doc.errors.map((e) => ({
    path: '',
    line: lines.linePos(e.pos[0]).line,
    message: `YAML syntax: ${e.message.split('\n')[0]}`,
  }));
  const warnings: string[] = [];
  if (problems.length === 0 && doc.contents !== null) {
    const v = new Validator(lines);
    v.check(doc.contents as Node, CONFIG_SCHEMA, '');
    problems.push(...v.problems);
    warnings.push(...v.warnings.map((w) => formatProblem(file, w)));
  }
  if (problems.length) throw new ConfigError(file, problems);
  const config = merge(DEFAULT_CONFIG, doc.toJS() ?? {});
  config.exporters = config.exporters.map((e) => merge(EXPORTER_DEFAULTS[e.type] as unknown as typeof e, e));
  return { config, warnings };
}

export function loadConfig(path: string | undefined): Config {
  return loadConfigWithWarnings(path).config;
}

export function loadConfigWithWarnings(path: string | undefined): LoadedConfig {
  if (path === undefined) return { config: structuredClone(DEFAULT_CONFIG), warnings: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ConfigError(path, [{ path: '', line: 1, message: `cannot read: ${err.code ?? err.message}` }]);
  }
  return parseConfigWithWarnings(text, path);
}
