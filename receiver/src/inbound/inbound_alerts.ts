// Which alert rules a source crossed in one window.
import type { InboundAlerts } from '../config/types';
import type { InboundSource } from './inbound_counts';

export interface CrossedRule {
  rule: 'heavy.packets_per_second' | 'heavy.bytes_per_second' | 'scan.distinct_ports' | 'scan.closed_port_syns';
  value: number;
  threshold: number;
}

/** Rates are over the window's real length; a threshold of 0 turns its rule off. */
export function crossedRules(s: InboundSource, windowSeconds: number, alerts: InboundAlerts): CrossedRule[] {
  const seconds = Math.max(windowSeconds, 0.001);
  const measured: CrossedRule[] = [
    { rule: 'heavy.packets_per_second', value: Math.round(s.packets / seconds), threshold: alerts.packets_per_second },
    { rule: 'heavy.bytes_per_second', value: Math.round(s.bytes / seconds), threshold: alerts.bytes_per_second },
    { rule: 'scan.distinct_ports', value: s.distinctPorts, threshold: alerts.distinct_ports },
    { rule: 'scan.closed_port_syns', value: s.closedPortSyns, threshold: alerts.closed_port_syns },
  ];
  return measured.filter((m) => m.threshold > 0 && m.value >= m.threshold);
}
