#!/usr/bin/python3
"""WebSocket test server on 127.0.0.1 (Python `websockets`, Debian python3-websockets).

Usage: ws_server.py PORT_FILE. Binds an ephemeral port, writes it to PORT_FILE, serves until
killed. Behaviour by path:
  /echo       echoes every message with its type (text stays text, binary stays binary)
  /close      closes at once with code 4001 and reason "bye now"
  /ping       sends a ping "hi", waits for the pong, then sends the text "pong ok"
  /fragments  sends a text message in three fragments and a binary one in two, then echoes
  /drop       sends "bye" and drops the TCP connection without a close frame
"""
import asyncio
import os
import sys

import websockets


async def handler(ws):
    path = ws.path
    if path == "/close":
        await ws.close(4001, "bye now")
        return
    if path == "/ping":
        waiter = await ws.ping(b"hi")
        await asyncio.wait_for(waiter, 10)
        await ws.send("pong ok")
    elif path == "/fragments":
        await ws.send(["frag", "ment", "ed"])
        await ws.send([b"\x01\x02", b"\x03"])
    elif path == "/drop":
        await ws.send("bye")
        ws.transport.abort()
        return
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass


async def main(port_file):
    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None, ping_interval=None,
                                compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.rename(tmp, port_file)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
