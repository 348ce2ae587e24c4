#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# tests/tools/hostile.py: the hostile clients of tests/integration/hostile.sh
# (issue #15), on plain sockets.  Every socket is bound to a 127.0.0.x source
# address and connects to 127.0.0.1 only.  Each check prints one line and
# exits 0 if what it saw is what scepd must do, 1 if not.
#
#   attack PORT SECONDS IDLE_SRC N_IDLE SLOW_SRC N_SLOW
#       N_IDLE connections from IDLE_SRC that send nothing, and N_SLOW from
#       SLOW_SRC that trickle an endless header a byte every 0.5 s; every
#       connection scepd closes is opened again, for SECONDS.  A source
#       written A.B.C.D/N spreads its connections over N addresses.
#   limit PORT SRC N OTHER
#       N silent connections from SRC stay open, the next one from SRC is
#       closed without an answer, and a GetCACaps from OTHER is answered.
#   silent PORT SRC WITHIN      a silent connection is closed within WITHIN s
#   trickle PORT SRC WITHIN     so is one trickling its headers
#   keepalive PORT SRC HOLD     after one answer, a kept-alive connection
#                               is still open HOLD s later
import selectors
import socket
import sys
import time

GET = b"GET /scep?operation=GetCACaps HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
# Headers that never end: one more byte of this every half second.
SLOW = b"GET /scep?operation=GetCACaps HTTP/1.1\r\nHost: 127.0.0.1\r\n" + \
    b"X-Slow: " + b"a" * 100000


def loopback(addr):
    if not addr.startswith("127."):
        sys.exit("%s: not a loopback address" % addr)
    return addr


def open_conn(port, src, block=True):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((loopback(src), 0))
    if block:
        s.connect(("127.0.0.1", port))
    else:
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
    return s


def closed_within(s, secs):
    """Seconds until the peer closed s (EOF or reset), or None."""
    t0 = time.monotonic()
    s.settimeout(secs)
    try:
        while True:
            if s.recv(4096) == b"":
                break
    except socket.timeout:
        return None
    except OSError:
        pass
    return time.monotonic() - t0


def attack(port, secs, isrc, nidle, ssrc, nslow):
    sel = selectors.DefaultSelector()
    conns = {}          # socket -> [kind, bytes of SLOW sent]
    stats = {"opened": 0, "closed": 0}

    turns = {"idle": 0, "slow": 0}

    def add(kind):
        # "A.B.C.D/N": the connections take N addresses from A.B.C.D up.
        base, _, n = (isrc if kind == "idle" else ssrc).partition("/")
        a = base.split(".")
        a[3] = str(int(a[3]) + turns[kind] % int(n or 1))
        turns[kind] += 1
        s = open_conn(port, ".".join(a), block=False)
        conns[s] = [kind, 0]
        sel.register(s, selectors.EVENT_READ)
        stats["opened"] += 1

    for _ in range(nidle):
        add("idle")
    for _ in range(nslow):
        add("slow")
    end = time.monotonic() + secs
    tick = 0.0
    reopen = []
    while time.monotonic() < end:
        turn = time.monotonic() + 0.05
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                gone = s.recv(4096) == b""
            except BlockingIOError:
                gone = False
            except OSError:
                gone = True
            if gone:
                reopen.append(conns.pop(s)[0])
                sel.unregister(s)
                s.close()
                stats["closed"] += 1
        now = time.monotonic()
        if now >= tick:
            tick = now + 0.5
            for s, st in list(conns.items()):
                if st[0] != "slow" or st[1] >= len(SLOW):
                    continue
                try:
                    s.send(SLOW[st[1]:st[1] + 1])
                    st[1] += 1
                except (BlockingIOError, OSError):
                    pass
        # The attacker comes back, at most a hundred connections every
        # 50 ms: enough to refill what scepd closes, without taking the
        # CPUs the test shares with scepd.
        for kind in reopen[:100]:
            add(kind)
        del reopen[:100]
        time.sleep(max(0.0, turn - time.monotonic()))
    print("attack: %d connections opened, %d closed by scepd" %
          (stats["opened"], stats["closed"]))
    return 0


def limit(port, src, n, other):
    held = [open_conn(port, src) for _ in range(n)]
    time.sleep(0.5)
    still = sum(1 for s in held if closed_within(s, 0.01) is None)
    extra = open_conn(port, src)
    try:
        extra.sendall(GET)
    except OSError:
        pass
    extra.settimeout(5)
    try:
        got = extra.recv(100)
    except OSError:
        got = b""
    o = open_conn(port, other)
    o.sendall(GET)
    o.settimeout(10)
    ans = o.recv(100)
    print("limit: %d of %d held; connection %d answered %r; %s answered %r" %
          (still, n, n + 1, got[:12], other, ans[:12]))
    return 0 if still == n and got == b"" and \
        ans.startswith(b"HTTP/1.1 200") else 1


def silent(port, src, within):
    t = closed_within(open_conn(port, src), within)
    print("silent: closed after %s s" % (None if t is None else round(t, 1)))
    return 0 if t is not None else 1


def trickle(port, src, within):
    s = open_conn(port, src)
    s.settimeout(0.5)
    t0 = time.monotonic()
    i = 0
    while time.monotonic() - t0 < within:
        try:
            s.send(SLOW[i:i + 1])
            i += 1
            if s.recv(100) == b"":
                break
        except socket.timeout:
            continue
        except OSError:
            break
    else:
        print("trickle: still open after %d bytes" % i)
        return 1
    print("trickle: closed after %.1f s, %d bytes" %
          (time.monotonic() - t0, i))
    return 0


def keepalive(port, src, hold):
    s = open_conn(port, src)
    s.sendall(GET)
    s.settimeout(10)
    ans = s.recv(4096)
    t = closed_within(s, hold)
    print("keepalive: answered %r, %s" % (ans[:12], "open after %g s" % hold
          if t is None else "closed after %.1f s" % t))
    return 0 if ans.startswith(b"HTTP/1.1 200") and t is None else 1


def main(argv):
    cmd, port, args = argv[1], int(argv[2]), argv[3:]
    if cmd == "attack":
        return attack(port, float(args[0]), args[1], int(args[2]), args[3],
                      int(args[4]))
    if cmd == "limit":
        return limit(port, args[0], int(args[1]), args[2])
    if cmd == "silent":
        return silent(port, args[0], float(args[1]))
    if cmd == "trickle":
        return trickle(port, args[0], float(args[1]))
    if cmd == "keepalive":
        return keepalive(port, args[0], float(args[1]))
    sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
