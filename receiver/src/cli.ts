#!/usr/bin/env node
// bpfaudit run [--config FILE] | check | validate --config FILE | search ...
import { ConfigError } from './config/load';
import { check } from './cli/check';
import { CliError } from './cli/errors';
import { run } from './cli/run';
import { SEARCH_USAGE, searchCommand } from './cli/search';
import { validate } from './cli/validate';
import { SensorError } from './native/sensor';
import { currentRuntime } from './runtime';

const USAGE = `usage: bpfaudit run [--config FILE]
       bpfaudit check
       bpfaudit validate --config FILE
       ${SEARCH_USAGE}
`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (!v || v.startsWith('--')) throw new CliError(`${name} needs a value\n${USAGE}`, 2);
  args.splice(i, 2);
  return v;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'search') return searchCommand(rest);
  const config = option(rest, '--config');
  if (rest.length) throw new CliError(`unexpected argument ${rest[0]}\n${USAGE}`, 2);
  switch (command) {
    case 'run': {
      const { warning } = currentRuntime();
      if (warning) process.stderr.write(`bpfaudit: warning: ${warning} (bin/bpfaudit runs the runtime scripts/setup.sh installs)\n`);
      return run(config);
    }
    case 'check':
      return check();
    case 'validate':
      if (!config) throw new CliError(`validate needs --config FILE\n${USAGE}`, 2);
      return validate(config);
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return command ? 0 : 2;
    default:
      throw new CliError(`unknown command ${command}\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ConfigError) {
      process.stderr.write(`bpfaudit: invalid configuration\n${e.message}\n`);
      process.exitCode = 1;
    } else if (e instanceof CliError) {
      process.stderr.write(`bpfaudit: ${e.message}\n`);
      process.exitCode = e.exitCode;
    } else if (e instanceof SensorError) {
      // a later step than the start (which run reports as "cannot start"): the message names it
      process.stderr.write(`bpfaudit: ${e.message}\n${e.libbpfLog ? e.libbpfLog + '\n' : ''}`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`bpfaudit: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 70;
    }
    // a command that failed is over: whatever it left open (an exporter's timers, a socket) must not keep a failed sensor looking alive
    process.exit();
  },
);
