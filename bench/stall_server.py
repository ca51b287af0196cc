#!/usr/bin/env python3
"""W8's server: holds HTTP/1.1 requests until told to answer them (issue 16).

Memory per in-flight async request needs requests that are really in flight: sent, and waiting
for a response that has not come. nginx cannot hold a response without extra modules, so this
small server on 127.0.0.1 does it, in one thread (selectors/epoll), keep-alive:

    GET /now...      answered at once (the clients' warm-up request)
    GET /count       answered at once, Connection: close; the body is how many requests are
                     held right now (the client polls it until all of its requests are)
    GET /release     answers every request held now; Connection: close
    GET <other>      held until /release

Every answer but /count and /release is a 100-byte body. Usage: stall_server.py [port]; prints
"PORT <n>" once listening. It raises its own RLIMIT_NOFILE to the hard limit (10,000 clients).
"""
import resource
import selectors
import socket
import sys

BODY = b"x" * 100
OK = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\n"
      + BODY)


def small(body, close=True):
    return (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n" % (len(body), b"Connection: close\r\n" if close else b"")) + body


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(65535)
    lsock.setblocking(False)
    print("PORT", lsock.getsockname()[1], flush=True)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, None)
    buffers = {}   # socket -> bytes received, not yet a whole request head
    held = {}      # socket -> number of requests waiting for an answer

    def close(s):
        sel.unregister(s)
        buffers.pop(s, None)
        held.pop(s, None)
        s.close()

    def send(s, data):
        try:
            s.setblocking(True)
            s.sendall(data)
            s.setblocking(False)
            return True
        except OSError:
            close(s)
            return False

    while True:
        for key, _ in sel.select():
            if key.data is None:
                while True:
                    try:
                        c, _ = lsock.accept()
                    except BlockingIOError:
                        break
                    c.setblocking(False)
                    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    buffers[c] = b""
                    sel.register(c, selectors.EVENT_READ, 1)
                continue
            s = key.fileobj
            try:
                data = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                close(s)
                continue
            buf = buffers[s] + data
            while b"\r\n\r\n" in buf:
                head, buf = buf.split(b"\r\n\r\n", 1)
                path = head.split(b"\r\n", 1)[0].split(b" ")[1] if b" " in head else b"/"
                if path.startswith(b"/count"):
                    count = sum(held.values())
                    if send(s, small(str(count).encode())):
                        close(s)
                    break
                if path.startswith(b"/release"):
                    for h, n in list(held.items()):
                        held[h] = 0
                        send(h, OK * n)
                    held.clear()
                    if send(s, small(b"ok")):
                        close(s)
                    break
                if path.startswith(b"/now"):
                    if not send(s, OK):
                        break
                else:
                    held[s] = held.get(s, 0) + 1
            if s in buffers:
                buffers[s] = buf


if __name__ == "__main__":
    main()
