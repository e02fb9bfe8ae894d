#!/usr/bin/env python3
"""Holds TCP SYN packets for a fixed time before the kernel may send them on.

Used by run.mjs to inject a real TCP connect delay on loopback, where tc netem is unavailable:
iptables sends the SYN of each delayed port to an NFQUEUE; this program takes the packet from
the queue and gives the ACCEPT verdict DELAY ms later. Usage: syn-delay.py QUEUE:DELAY_MS ...
Needs root. Standard library only (raw netlink, no libnetfilter_queue binding).
"""
import heapq
import select
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
MSG_PACKET, MSG_VERDICT, MSG_CONFIG = 0, 1, 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
CFG_CMD, CFG_PARAMS = 1, 2
CMD_BIND = 1
COPY_META = 1
PACKET_HDR, VERDICT_HDR = 1, 2
NF_ACCEPT = 1


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack('=HH', length, kind) + payload + b'\0' * ((4 - length % 4) % 4)


def message(msg_type, queue, attrs, flags=NLM_F_REQUEST):
    body = struct.pack('=BBH', socket.AF_UNSPEC, 0, socket.htons(queue)) + attrs
    return struct.pack('=IHHII', 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, 0, 0) + body


def expect_ack(sock):
    data = sock.recv(65536)
    kind = struct.unpack_from('=H', data, 4)[0]
    if kind == NLMSG_ERROR:
        err = struct.unpack_from('=i', data, 16)[0]
        if err != 0:
            raise OSError(-err, 'nfqueue config refused')


def main():
    delays = {}
    for arg in sys.argv[1:]:
        queue, delay = arg.split(':')
        delays[int(queue)] = float(delay) / 1000
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.bind((0, 0))
    for queue in delays:
        cmd = struct.pack('!BBH', CMD_BIND, 0, socket.AF_INET)
        sock.send(message(MSG_CONFIG, queue, attr(CFG_CMD, cmd), NLM_F_REQUEST | NLM_F_ACK))
        expect_ack(sock)
        params = struct.pack('!IB', 0xFFFF, COPY_META)
        sock.send(message(MSG_CONFIG, queue, attr(CFG_PARAMS, params), NLM_F_REQUEST | NLM_F_ACK))
        expect_ack(sock)
    print('ready', flush=True)
    pending = []  # (due, queue, packet id)
    while True:
        timeout = max(0.0, pending[0][0] - time.monotonic()) if pending else None
        readable, _, _ = select.select([sock, sys.stdin], [], [], timeout)
        if sys.stdin in readable and not sys.stdin.readline():
            return  # parent closed our stdin: stop
        if sock in readable:
            data = sock.recv(65536)
            offset = 0
            while offset + 16 <= len(data):
                length, kind = struct.unpack_from('=IH', data, offset)
                if kind == (NFNL_SUBSYS_QUEUE << 8) | MSG_PACKET:
                    queue = socket.ntohs(struct.unpack_from('=H', data, offset + 18)[0])
                    pos = offset + 20
                    while pos + 4 <= offset + length:
                        alen, atype = struct.unpack_from('=HH', data, pos)
                        if atype & 0x7FFF == PACKET_HDR:
                            packet_id = struct.unpack_from('!I', data, pos + 4)[0]
                            heapq.heappush(pending, (time.monotonic() + delays.get(queue, 0), queue, packet_id))
                        pos += (alen + 3) & ~3
                offset += (length + 3) & ~3
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, queue, packet_id = heapq.heappop(pending)
            sock.send(message(MSG_VERDICT, queue, attr(VERDICT_HDR, struct.pack('!II', NF_ACCEPT, packet_id))))


if __name__ == '__main__':
    main()
