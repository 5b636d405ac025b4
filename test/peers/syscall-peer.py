#!/usr/bin/env python3
"""A client and a server in one process, talking HTTP/1.1 over loopback TCP with
chosen syscalls, so that tests can check each tracepoint. Prints "ready" and
waits for a line on stdin before each step, so the test controls when tracing starts.

usage: syscall-peer.py vectored   sendmsg/readv, writev/recvmsg, write/read, sendto/recvfrom
       syscall-peer.py preexisting   one exchange before "go", one after, same connection
       syscall-peer.py binary        a non-HTTP protocol over TCP (and a TLS-looking one, and one that starts with a short write)
       syscall-peer.py files         reads and writes files, pipes and a unix socket pair only
       syscall-peer.py sizes         write/read and sendto/recvfrom of messages around the kernel's record size classes
"""
import os
import socket
import sys
import tempfile

REQUEST_HEAD = b"POST /v HTTP/1.1\r\nHost: peer\r\nContent-Length: 5\r\n\r\n"
RESPONSE_HEAD = b"HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\n"


def wait_go():
    print("ready", flush=True)
    sys.stdin.readline()


def pair():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    return client, server


def read_exactly(read, n):
    data = b""
    while len(data) < n:
        chunk = read(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def vectored():
    wait_go()
    client, server = pair()
    # 1: sendmsg (2 iovecs) -> readv (2 buffers); writev -> recvmsg
    client.sendmsg([REQUEST_HEAD, b"hello"])
    head, body = bytearray(len(REQUEST_HEAD)), bytearray(5)
    got = os.readv(server.fileno(), [head, body])
    assert got == len(REQUEST_HEAD) + 5, got
    os.writev(server.fileno(), [RESPONSE_HEAD, b"abc"])
    data, _, _, _ = client.recvmsg(4096)
    assert data == RESPONSE_HEAD + b"abc", data
    # 2: write -> read; sendto -> recvfrom (socket.send is sendto on Linux)
    os.write(client.fileno(), REQUEST_HEAD + b"world")
    got = read_exactly(lambda n: os.read(server.fileno(), n), len(REQUEST_HEAD) + 5)
    server.send(RESPONSE_HEAD + b"xyz")
    got = read_exactly(lambda n: client.recvfrom(n)[0], len(RESPONSE_HEAD) + 3)
    client.close()
    server.close()
    print("done", flush=True)


def preexisting():
    client, server = pair()
    client.sendall(REQUEST_HEAD + b"first")
    read_exactly(server.recv, len(REQUEST_HEAD) + 5)
    server.sendall(RESPONSE_HEAD + b"one")
    read_exactly(client.recv, len(RESPONSE_HEAD) + 3)
    wait_go()
    client.sendall(REQUEST_HEAD + b"again")
    read_exactly(server.recv, len(REQUEST_HEAD) + 5)
    server.sendall(RESPONSE_HEAD + b"two")
    read_exactly(client.recv, len(RESPONSE_HEAD) + 3)
    client.close()
    server.close()
    print("done", flush=True)


def binary():
    wait_go()
    client, server = pair()
    for _ in range(20):
        client.sendall(bytes(range(256)))
        read_exactly(server.recv, 256)
        server.sendall(b"\x00\x01redis-like\r\n")
        read_exactly(client.recv, 14)
    client.close()
    server.close()
    client, server = pair()
    client.sendall(b"\x16\x03\x01\x02\x00" + b"\x01" * 200)  # a TLS ClientHello's record header
    read_exactly(server.recv, 205)
    client.close()
    server.close()
    client, server = pair()
    client.sendall(b"SSH-")  # a first write shorter than a start line's test, and no prefix of one
    read_exactly(server.recv, 4)
    client.sendall(b"2.0-OpenSSH_9.2\r\n")
    read_exactly(server.recv, 17)
    client.close()
    server.close()
    print("done", flush=True)


SIZES = [127, 1, 128, 129, 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097]


def sized(n):
    """n bytes: a request head's start, then a pattern whose every byte shows where it is."""
    start = b"POST /v HTTP/1.1\r\nX: "
    pattern = bytes((i * 7 + 11) % 251 for i in range(n))
    return (start + pattern[len(start):])[:n] if n >= len(start) else start[:n]


def sizes():
    wait_go()
    client, server = pair()
    for n in SIZES:
        os.write(client.fileno(), sized(n))
        assert read_exactly(lambda k: os.read(server.fileno(), k), n) == sized(n)
        server.send(sized(n))
        assert read_exactly(lambda k: client.recvfrom(k)[0], n) == sized(n)
    client.close()
    server.close()
    print("done", flush=True)


def files():
    wait_go()
    with tempfile.TemporaryFile() as f:
        for _ in range(200):
            f.write(b"GET / HTTP/1.1\r\n\r\n")
        f.flush()
        f.seek(0)
        f.read()
    r, w = os.pipe()
    for _ in range(200):
        os.write(w, b"HTTP/1.1 200 OK\r\n\r\n")
        os.read(r, 100)
    # A unix socket pair (no listener: no server), as Node gives a child its stdio, carrying HTTP's bytes.
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    left.sendall(REQUEST_HEAD + b"hello")
    right.recv(4096)
    right.sendall(RESPONSE_HEAD + b"abc")
    left.recv(4096)
    # stdout is such a pair under the test: what a program prints (curl -i) is not traffic
    sys.stdout.write("HTTP/1.1 200 OK\r\n\r\n")
    print("done", flush=True)


{"vectored": vectored, "preexisting": preexisting, "binary": binary, "files": files, "sizes": sizes}[sys.argv[1]]()
