import { describe, expect, it } from 'vitest';
import type { ExecEvent, ExitEvent, TcpEvent } from '../../receiver/src/events';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { eventToLogRecord } from '../../receiver/src/mapping/event_to_logrecord';
import { BOOT_OFFSET_NS, OBSERVED_NS, testContext } from '../helpers/records';

const exec: ExecEvent = {
  kind: 'exec', ktimeNs: 1_500n, proc: { ...SAMPLE_PROC, pid: 1201, ppid: 4200, euid: 0, suid: 0 }, oldComm: 'bash',
  exe: '/usr/bin/curl', exeTruncated: false, exeFileless: false, exeDeleted: false, exeOverlayUpper: false, argv: ['curl', '-s', 'https://example.org'], argsTruncated: false,
};

const tcpBase = {
  ktimeNs: 10n, proc: SAMPLE_PROC, ipVersion: 4 as const, localAddress: '10.0.0.5', localPort: 52507,
  remoteAddress: '93.184.216.34', remotePort: 443, inbound: false, error: 0, durationNs: 0n, bytesSent: 0n, bytesReceived: 0n,
};

describe('eventToLogRecord', () => {
  it('maps exec to process.exec with argv, creds and the design body line', () => {
    const r = eventToLogRecord(exec, testContext());
    expect(r).toMatchObject({
      eventName: 'process.exec', severityNumber: 9, severityText: 'INFO',
      timeUnixNs: BOOT_OFFSET_NS + 1_500n, observedUnixNs: OBSERVED_NS,
      body: 'exec bash[1201] /usr/bin/curl -s https://example.org (uid=1000 euid=0 tty=pts/3 ppid=4200)',
    });
    expect(r.attributes).toEqual({
      'process.pid': 1201, 'process.parent_pid': 4200, 'process.session_leader.pid': 4100,
      // one program run: pid, start, exec generation; the parent as it was when it forked this one
      'process.entity_id': 'id-1201-5000000000-3', 'process.parent.entity_id': 'id-4200-1000000000-2',
      'process.creation.time': '2023-11-14T22:13:25.000000000Z',
      'process.parent.executable.path': '/usr/bin/bash', 'process.parent.command_args': ['-bash'],
      'user.audit.session_id': '7',
      'process.executable.name': 'curl', 'process.executable.path': '/usr/bin/curl',
      'process.user.id': 0, 'process.real_user.id': 1000, 'process.saved_user.id': 0,
      'process.group.id': 1000, 'process.real_group.id': 1000,
      'user.id': '1000', 'user.name': 'alice', 'user.audit.id': '1000',
      'process.tty.name': 'pts/3', 'process.interactive': true,
      'process.command_args': ['curl', '-s', 'https://example.org'], 'process.args_count': 3, 'process.command': 'curl',
    });
  });

  it('cuts argv at max_args and flags it', () => {
    const r = eventToLogRecord({ ...exec, argv: ['a', 'b', 'c', 'd'] }, testContext({ maxArgs: 2 }));
    expect(r.attributes['process.command_args']).toEqual(['a', 'b']);
    expect(r.attributes['bpfaudit.truncated']).toBe(true);
    expect(r.body).toContain('[truncated]');
  });

  it('omits auid, tty and user.name when unknown', () => {
    const r = eventToLogRecord({ ...exec, proc: { ...exec.proc, auid: undefined, tty: '', uid: 4321 } }, testContext());
    expect(r.attributes).not.toHaveProperty('user.audit.id');
    expect(r.attributes).not.toHaveProperty('process.tty.name');
    expect(r.attributes).not.toHaveProperty('user.name');
    expect(r.attributes['process.interactive']).toBe(false);
    expect(r.body).toBe('exec bash[1201] /usr/bin/curl -s https://example.org (uid=4321 euid=0 ppid=4200)');
  });

  it('maps exit with code, or 128+signal and the signal', () => {
    const ev: ExitEvent = { kind: 'exit', ktimeNs: 1n, proc: SAMPLE_PROC, exitCode: 3, signal: undefined };
    expect(eventToLogRecord(ev, testContext()).attributes['process.exit.code']).toBe(3);
    const killed = eventToLogRecord({ ...ev, exitCode: undefined, signal: 9 }, testContext());
    expect(killed.attributes).toMatchObject({ 'process.exit.code': 137, 'bpfaudit.exit.signal': 9 });
    expect(killed.body).toBe('exit curl[4242] signal=9 (uid=1000 ppid=4200)');
  });

  it('maps connect: local is the client', () => {
    const r = eventToLogRecord({ ...tcpBase, kind: 'tcp.connect' } as TcpEvent, testContext());
    expect(r.body).toBe('curl[4242] TCP 10.0.0.5:52507 -> 93.184.216.34:443 (uid=1000)');
    expect(r.attributes).toMatchObject({
      'network.transport': 'tcp', 'network.type': 'ipv4',
      'client.address': '10.0.0.5', 'client.port': 52507, 'server.address': '93.184.216.34', 'server.port': 443,
      'network.local.address': '10.0.0.5', 'network.local.port': 52507, 'network.peer.address': '93.184.216.34', 'network.peer.port': 443,
      'process.executable.path': '/usr/bin/curl',
    });
    expect(r.attributes).not.toHaveProperty('error.type');
  });

  it('maps a refused connect with error.type', () => {
    const r = eventToLogRecord({ ...tcpBase, kind: 'tcp.connect', error: 111 } as TcpEvent, testContext());
    expect(r.attributes['error.type']).toBe('ECONNREFUSED');
    expect(r.body).toMatch(/ - ECONNREFUSED$/);
  });

  it('maps accept: the peer is the client, IPv6 in brackets', () => {
    const r = eventToLogRecord(
      { ...tcpBase, kind: 'tcp.accept', inbound: true, ipVersion: 6, localAddress: '::1', localPort: 22, remoteAddress: '::2', remotePort: 49904, proc: { ...SAMPLE_PROC, comm: 'sshd', pid: 827, uid: 0 } } as TcpEvent,
      testContext(),
    );
    expect(r.body).toBe('sshd[827] TCP [::1]:22 <- [::2]:49904 (uid=0)');
    expect(r.attributes).toMatchObject({ 'network.type': 'ipv6', 'client.address': '::2', 'client.port': 49904, 'server.address': '::1', 'server.port': 22, 'user.name': 'root' });
  });

  it('maps close with duration and bytes', () => {
    const r = eventToLogRecord(
      { ...tcpBase, kind: 'tcp.close', inbound: true, localPort: 22, remotePort: 49904, durationNs: 12_400_000_000n, bytesSent: 4211n, bytesReceived: 3380n } as TcpEvent,
      testContext(),
    );
    expect(r.body).toBe('curl[4242] TCP 10.0.0.5:22 <-> 93.184.216.34:49904 (uid=1000) 12.4s sent=4211 received=3380');
    expect(r.attributes).toMatchObject({
      'bpfaudit.connection.duration_ms': 12400, 'bpfaudit.connection.bytes_sent': 4211, 'bpfaudit.connection.bytes_received': 3380,
      'server.port': 22, 'client.port': 49904,
    });
  });
});
