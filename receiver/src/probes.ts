// Which BPF programs and knobs a config asks for. A probe that is off is
// not loaded or attached at all.
import type { Config } from './config/types';
import type { NativeObjectSpec } from './native/native';
import { bpfObjectPath } from './paths';

export function probeObjects(probes: Config['probes']): NativeObjectSpec[] {
  const objects: NativeObjectSpec[] = [];
  const { exec, tcp } = probes;

  const execPrograms: string[] = [];
  if (exec.enabled) execPrograms.push('bpfaudit_enter_execve', 'bpfaudit_enter_execveat', 'bpfaudit_exec');
  if (exec.exit) execPrograms.push('bpfaudit_exit');
  if (execPrograms.length) {
    objects.push({ name: 'exec', path: bpfObjectPath('exec'), programs: execPrograms, rodata: { capture_args: exec.argv } });
  }

  const tcpPrograms: string[] = [];
  if (tcp.connect || tcp.accept || tcp.close) tcpPrograms.push('bpfaudit_tcp_state');
  // a close is attributed to whoever accepted it, so close needs the accept hooks too
  if (tcp.accept || tcp.close) tcpPrograms.push('bpfaudit_exit_accept4', 'bpfaudit_exit_accept');
  if (tcpPrograms.length) {
    objects.push({
      name: 'tcp',
      path: bpfObjectPath('tcp'),
      programs: tcpPrograms,
      rodata: { emit_connect: tcp.connect, emit_accept: tcp.accept, emit_close: tcp.close },
    });
  }
  return objects;
}
