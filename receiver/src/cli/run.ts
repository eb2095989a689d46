// `bpfaudit run`: until SIGINT/SIGTERM, then detach, drain, flush, summarise.
import { EXPORTER_DEFAULTS } from '../config/defaults';
import { ConfigError, loadConfigWithWarnings } from '../config/load';
import type { ExporterConfig } from '../config/types';
import { raisePriority } from '../priority';
import { startupBlockers } from '../privileges';
import { ExporterSetupError, Receiver, type ReceiverStats } from '../receiver';
import { SensorError } from '../native/sensor';
import { dropPrivileges, resolveUser } from '../security';
import { CliError } from './errors';

/** Without a config file, OTEL_LOGS_EXPORTER (otlp, console, none) picks the exporters. */
export function exportersFromEnv(value: string | undefined, fallback: ExporterConfig[]): ExporterConfig[] {
  if (!value) return fallback;
  const out: ExporterConfig[] = [];
  for (const name of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (name === 'otlp') out.push({ type: 'otlp', ...structuredClone(EXPORTER_DEFAULTS.otlp) });
    else if (name === 'console') out.push({ type: 'stdout', format: 'text' });
    else if (name !== 'none') throw new CliError(`OTEL_LOGS_EXPORTER=${value}: unknown exporter ${name} (otlp, console, none)`);
  }
  if (out.length === 0) throw new CliError('OTEL_LOGS_EXPORTER=none leaves bpfaudit nothing to write to');
  return out;
}

function perKind(counts: Record<string, number>): string {
  const nonZero = Object.entries(counts).filter(([, n]) => n > 0);
  return nonZero.length ? nonZero.map(([k, n]) => `${k}:${n}`).join(',') : '0';
}

export function summary(stats: ReceiverStats): string {
  return [
    `bpfaudit: ${stats.emitted} records from ${stats.decoded} events in ${stats.batches} batches`,
    `malformed=${stats.malformed}`,
    `kernel lost=${perKind(stats.kernel.lost)}`,
    `filtered=${perKind(stats.kernel.filtered)}`,
    `folded=${stats.kernel.folded}`,
    `owner_missing=${perKind(stats.kernel.ownerMissing)}`,
    `exec_comm_missed=${stats.kernel.execCommMissed}`,
    `udp_call_missed=${stats.kernel.udpCallMissed}`,
    `folds_evicted=${stats.folds.evicted}`,
    `parent_unknown=${stats.processes.parentUnknown}`,
    ...(stats.inbound ? [`inbound_windows=${stats.inbound.windows} inbound_sources=${stats.inbound.sources} inbound_alerts=${stats.inbound.alerts} inbound_evicted=${stats.inbound.evicted} inbound_vlan_skipped=${stats.inbound.vlanSkipped}`] : []),
    ...stats.exporters.map((e, i) => {
      const o = e.otlp;
      const otlp = o ? ` exported=${o.exported} rejected=${o.rejected} failed=${o.failed} retries=${o.retries} spooled=${o.spool.batches} spool_overflow=${o.spool.overflowRecords} set_aside=${o.spool.setAside}` : '';
      const s = e.syslog;
      const syslog = s ? ` sent=${s.sent} truncated=${s.truncated} resent=${s.resent} reconnects=${s.reconnects}` : '';
      return `exporter[${i}]=${e.type} delivered=${e.delivered} failed=${e.failed} write_retries=${e.retries}${otlp}${syslog}`;
    }),
  ].join(' ');
}

/** SIGHUP: validate first; a bad file leaves the running configuration in force and says why. */
export async function reload(receiver: Receiver, configPath: string | undefined): Promise<void> {
  if (!configPath) {
    process.stderr.write('bpfaudit: SIGHUP ignored: running on the embedded default, there is no file to reload\n');
    return;
  }
  try {
    const { config, warnings } = loadConfigWithWarnings(configPath);
    for (const w of warnings) process.stderr.write(`bpfaudit: warning: ${w}\n`);
    const result = await receiver.reload(config);
    const note = result.ignored.length ? `; not applied: ${result.ignored.join(', ')}` : '';
    process.stderr.write(`bpfaudit: reloaded ${configPath}${note}\n`);
  } catch (e) {
    const why = e instanceof ConfigError ? `\n${e.message}` : ` ${(e as Error).message}`;
    process.stderr.write(`bpfaudit: reload rejected, the running configuration stays in force:${why}\n`);
  }
}

export async function run(configPath: string | undefined): Promise<number> {
  const { config, warnings } = loadConfigWithWarnings(configPath);
  if (!configPath) config.exporters = exportersFromEnv(process.env.OTEL_LOGS_EXPORTER, config.exporters);
  for (const w of warnings) process.stderr.write(`bpfaudit: warning: ${w}\n`);
  const dropping = config.security.run_as !== 'root';
  const blockers = startupBlockers(dropping ? { chown: config.exporters.some((e) => e.type !== 'stdout') } : undefined);
  if (blockers.length) throw new CliError(`cannot start:\n  ${blockers.join('\n  ')}`);
  // before the drain thread exists (it inherits the boost) and while CAP_SYS_NICE is held
  const unboosted = raisePriority(config.limits.priority_boost);
  if (unboosted) process.stderr.write(`bpfaudit: warning: ${unboosted}\n`);

  let receiver: Receiver;
  try {
    receiver = new Receiver(config, { onError: (e) => process.stderr.write(`bpfaudit: ${e.message}\n`) });
  } catch (e) {
    if (e instanceof ExporterSetupError) throw new CliError(`cannot start: ${e.message}`);
    throw e;
  }
  try {
    receiver.start();
    await receiver.ready();
  } catch (e) {
    // the exporters are open (an OTLP one keeps its spool and timers): left so, a failed start would never exit
    await receiver.stop();
    const log = e instanceof SensorError && e.libbpfLog ? `\n${e.libbpfLog}` : '';
    throw new CliError(`cannot start: ${(e as Error).message}${log}`);
  }
  if (dropping) {
    const user = resolveUser(config.security.run_as);
    try {
      receiver.prepareForDrop();
      dropPrivileges(user, receiver.writableDirs());
    } catch (e) {
      await receiver.stop();
      throw new CliError(`cannot switch to ${user.name}: ${(e as Error).message}`);
    }
    process.stderr.write(`bpfaudit: probes attached; now running as ${user.name} (uid ${user.uid}) without capabilities\n`);
  }
  const onHangup = () => {
    reloads = reloads.then(() => reload(receiver, configPath));
  };
  const onReopen = () => receiver.reopenFiles();
  let reloads = Promise.resolve();
  process.on('SIGHUP', onHangup);
  process.on('SIGUSR1', onReopen);
  const stopping = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // said only once every signal it names is handled: whoever reads the line may send one at once
  process.stderr.write(`bpfaudit: running (${configPath ?? 'embedded default config'}); SIGHUP reloads, SIGUSR1 reopens files, SIGINT or SIGTERM stops\n`);
  await stopping;
  process.off('SIGHUP', onHangup);
  process.off('SIGUSR1', onReopen);
  await reloads;
  const stats = await receiver.stop();
  process.stderr.write(summary(stats) + '\n');
  return 0;
}
