// Which BPF programs and knobs a config asks for. A probe that is off is
// not loaded or attached at all.
import type { Config } from './config/types';
import { cgroupV1MemoryRoot } from './enrich/containers';
import { kernelHasTracepoint } from './kernel_btf';
import type { NativeObjectSpec } from './native/native';
import { bpfObjectPath } from './paths';

export function probeObjects(probes: Config['probes'], limits: Pick<Config['limits'], 'fold_entries' | 'ring_buffer_bytes' | 'socket_owner_slots'>): NativeObjectSpec[] {
  const objects: NativeObjectSpec[] = [];
  const { exec, tcp, udp, ipset, inbound } = probes;

  const execPrograms: string[] = [];
  if (exec.enabled) {
    // the name before exec: noted when the kernel commits to an exec, or at every execve call before 6.10
    if (kernelHasTracepoint('sched_prepare_exec')) execPrograms.push('bpfaudit_prepare_exec');
    else execPrograms.push('bpfaudit_enter_execve', 'bpfaudit_enter_execveat');
    execPrograms.push('bpfaudit_exec');
  }
  if (exec.exit) execPrograms.push('bpfaudit_exit');
  if (execPrograms.length) {
    objects.push({ name: 'exec', path: bpfObjectPath('exec'), programs: execPrograms, rodata: { capture_args: exec.argv } });
  }

  const tcpPrograms: string[] = [];
  if (tcp.connect || tcp.accept || tcp.close) tcpPrograms.push('bpfaudit_tcp_state');
  // a close is attributed to whoever accepted it, so close needs the accept hooks too
  if (tcp.accept || tcp.close) tcpPrograms.push('bpfaudit_exit_accept4', 'bpfaudit_exit_accept', 'bpfaudit_uring_complete');
  if (tcpPrograms.length) {
    objects.push({
      name: 'tcp',
      path: bpfObjectPath('tcp'),
      programs: tcpPrograms,
      rodata: { emit_connect: tcp.connect, emit_accept: tcp.accept, emit_close: tcp.close, owner_slot_mask: limits.socket_owner_slots - 1 },
      maxEntries: { owner_slots: limits.socket_owner_slots },
    });
  }
  const udpPrograms: string[] = [];
  const pair = (call: string) => udpPrograms.push(`bpfaudit_enter_${call}`, `bpfaudit_exit_${call}`);
  if (udp.bind) pair('bind');
  if (udp.connect) udpPrograms.push('bpfaudit_udp_connect4', 'bpfaudit_udp_connect6', 'bpfaudit_exit_connect');
  // at the socket, whatever the path (syscalls, write/read, io_uring); the cgroup hooks name the remote end
  if (udp.send) udpPrograms.push('bpfaudit_udp_send', 'bpfaudit_udp_sendmsg4', 'bpfaudit_udp_sendmsg6');
  if (udp.receive) udpPrograms.push('bpfaudit_udp_receive', 'bpfaudit_udp_recvmsg4', 'bpfaudit_udp_recvmsg6');
  if (udpPrograms.length) {
    objects.push({
      name: 'udp',
      path: bpfObjectPath('udp'),
      programs: udpPrograms,
      rodata: { emit_bind: udp.bind, emit_connect: udp.connect, emit_send: udp.send, emit_receive: udp.receive },
    });
  }
  if (ipset.enabled) {
    objects.push({
      name: 'ipset',
      path: bpfObjectPath('ipset'),
      programs: ['bpfaudit_ipset_send', 'bpfaudit_ipset_uring_submit', 'bpfaudit_ipset_uring_complete'],
    });
  }
  if (inbound.enabled) {
    // the ingress program is attached per interface by bpfaudit-tcx (inbound/tcx_attacher.ts)
    objects.push({
      name: 'inbound',
      path: bpfObjectPath('inbound'),
      programs: ['bpfaudit_inbound_reset'],
      loadOnly: ['bpfaudit_inbound'],
      maxEntries: { inbound_sources: inbound.max_sources },
    });
  }
  // the first object loaded creates the shared fold table
  const wakeup = Math.min(256 << 10, limits.ring_buffer_bytes / 4);
  // the process header carries the v1 memory cgroup only where user space can resolve it
  const cgroupV1Memory = cgroupV1MemoryRoot() !== undefined;
  for (const o of objects) {
    o.maxEntries = { ...o.maxEntries, folds: limits.fold_entries };
    o.rodata = { ...o.rodata, wakeup_bytes: wakeup, cgroup_v1_memory: cgroupV1Memory };
  }
  return objects;
}
