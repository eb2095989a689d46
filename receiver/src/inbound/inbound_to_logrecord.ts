// network.inbound.summary and network.inbound.alert records for one source
// and window.
import { escapeText } from '../mapping/escape';
import { SEVERITY_INFO, SEVERITY_WARN, type Attributes, type AuditLogRecord } from '../mapping/event_to_logrecord';
import type { CrossedRule } from './inbound_alerts';
import type { InboundSource } from './inbound_counts';

export interface InboundWindow {
  /** the interface's name, or its index when it is gone */
  interfaceName: string;
  netnsInode: number;
  startUnixNs: bigint;
  endUnixNs: bigint;
}

/** 12,345 grouped by hand: toLocaleString would map ICU's locale data (~6 MiB resident) into the receiver for it */
const fmt = (n: number) => String(n).replace(/\B(?=(\d{3})+$)/g, ',');

function attributes(s: InboundSource, w: InboundWindow): Attributes {
  return {
    'source.address': s.address,
    'network.type': s.family,
    'network.interface.name': w.interfaceName,
    'bpfaudit.netns.inode': w.netnsInode,
    'bpfaudit.inbound.window_ms': Number((w.endUnixNs - w.startUnixNs) / 1_000_000n),
    'bpfaudit.inbound.packets': s.packets,
    'bpfaudit.inbound.bytes': s.bytes,
    'bpfaudit.inbound.syns': s.syns,
    'bpfaudit.inbound.closed_port_syns': s.closedPortSyns,
    'bpfaudit.inbound.distinct_ports': s.distinctPorts,
  };
}

function record(eventName: string, severity: { number: number; text: string }, body: string, a: Attributes, w: InboundWindow): AuditLogRecord {
  return { eventName, timeUnixNs: w.endUnixNs, observedUnixNs: w.endUnixNs, severityNumber: severity.number, severityText: severity.text, body, attributes: a };
}

function where(s: InboundSource, w: InboundWindow): string {
  return `${s.address} on ${escapeText(w.interfaceName)}`;
}

export function inboundSummary(s: InboundSource, w: InboundWindow): AuditLogRecord {
  const secs = (Number(w.endUnixNs - w.startUnixNs) / 1e9).toFixed(1);
  const body = `inbound ${where(s, w)}: ${fmt(s.packets)} packets, ${fmt(s.bytes)} bytes, ${fmt(s.syns)} SYNs (${fmt(s.closedPortSyns)} to closed ports), ${fmt(s.distinctPorts)} ports in ${secs}s`;
  return record('network.inbound.summary', SEVERITY_INFO, body, attributes(s, w), w);
}

/** One alert per source and window, naming every rule it crossed; the first is the headline. */
export function inboundAlert(s: InboundSource, w: InboundWindow, crossed: CrossedRule[]): AuditLogRecord {
  const [first] = crossed;
  const a: Attributes = {
    ...attributes(s, w),
    'bpfaudit.alert.rule': first.rule,
    'bpfaudit.alert.value': first.value,
    'bpfaudit.alert.threshold': first.threshold,
    'bpfaudit.alert.rules': crossed.map((c) => c.rule),
  };
  const rules = crossed.map((c) => `${c.rule}=${fmt(c.value)} (>= ${fmt(c.threshold)})`).join(', ');
  return record('network.inbound.alert', SEVERITY_WARN, `inbound alert from ${where(s, w)}: ${rules}`, a, w);
}
