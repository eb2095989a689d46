#!/usr/bin/python3
"""A netlink client that is not the ipset tool: speaks to the kernel's ipset
subsystem directly with sendmsg() and prints each command's answer.

    ipset_netlink.py create NAME | destroy NAME   (NLM_F_EXCL, as the ipset tool: a missing set is an error)
prints {"pid": ..., "command": ..., "error": <errno from the kernel's ack, 0 = success>}
    ipset_netlink.py hex create NAME | hex destroy NAME
prints the message in hex, unsent, for another sender (uring_peer.c)
"""
import json
import os
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_IPSET = 6
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL = 1, 4, 0x200
NLA_F_NESTED = 0x8000
CMD = {"protocol": 1, "create": 2, "destroy": 3}
ATTR_PROTOCOL, ATTR_SETNAME, ATTR_TYPENAME, ATTR_REVISION, ATTR_FAMILY, ATTR_DATA = 1, 2, 3, 4, 5, 7
NFPROTO_IPV4 = 2
IPSET_PROTOCOL = 7


def attr(kind, payload):
    raw = struct.pack("=HH", 4 + len(payload), kind) + payload
    return raw + b"\0" * (-len(raw) % 4)


def message(cmd, attrs, seq):
    body = struct.pack("=BBH", NFPROTO_IPV4, 0, 0) + b"".join(attrs)
    head = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_IPSET << 8) | CMD[cmd], NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL, seq, 0)
    return head + body


def send(sock, cmd, attrs, seq):
    sock.sendmsg([message(cmd, attrs, seq)])
    while True:
        data = sock.recv(65536)
        length, kind, _flags, rseq, _pid = struct.unpack_from("=IHHII", data)
        if kind == 2 and rseq == seq:  # NLMSG_ERROR: the result
            return -struct.unpack_from("=i", data, 16)[0]


def attrs_of(command, name):
    proto = attr(ATTR_PROTOCOL, bytes([IPSET_PROTOCOL]))
    if command == "create":
        return [proto, attr(ATTR_SETNAME, name), attr(ATTR_TYPENAME, b"hash:ip\0"),
                attr(ATTR_REVISION, bytes([0])), attr(ATTR_FAMILY, bytes([NFPROTO_IPV4])),
                attr(ATTR_DATA | NLA_F_NESTED, b"")]
    return [proto, attr(ATTR_SETNAME, name)]


def main():
    if sys.argv[1] == "hex":
        command, name = sys.argv[2], sys.argv[3].encode() + b"\0"
        print(message(command, attrs_of(command, name), 1).hex())
        return
    command, name = sys.argv[1], sys.argv[2].encode() + b"\0"
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.bind((0, 0))
    error = send(sock, command, attrs_of(command, name), 1)
    print(json.dumps({"pid": os.getpid(), "command": command, "error": error}), flush=True)


main()
