import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 18766)); s.listen(8)
conns = []
end = time.time() + 60
s.settimeout(1)
while time.time() < end:
    try:
        c, _ = s.accept(); conns.append(c)   # read nothing, answer nothing
    except socket.timeout:
        pass
