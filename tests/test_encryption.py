"""CurveZMQ: with `KernelManager(transport_encryption="required")` (jupyter_client 8.9+) the kernel's
every socket is a CURVE server; the conformance suite passes over the encrypted transport, and a
client without the server's key gets nothing from any socket."""
import json
import os
import subprocess
import tempfile
import time

import pytest
import zmq
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

import test_kernel_conformance as conformance
from kernelproc import kernel_binary

pytestmark = pytest.mark.skipif(not zmq.has("curve"), reason="this pyzmq's libzmq has no CurveZMQ")


class EncryptedConformance(conformance.RNNKernelTests):
    """The whole jupyter_kernel_test suite, through an encrypted connection."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="rnn", transport_encryption="required")

    def test_connection_is_encrypted(self):
        with open(self.km.connection_file) as f:
            info = json.load(f)
        assert len(info["curve_publickey"]) == 40 and len(info["curve_secretkey"]) == 40
        assert self.kc.curve_publickey == info["curve_publickey"].encode()


@pytest.fixture()
def encrypted():
    km, kc = start_new_kernel(kernel_name="rnn", transport_encryption="required")
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def connect(ctx, kind, port, serverkey=None):
    s = ctx.socket(kind)
    s.linger = 0
    # After a refused handshake the pipe is gone and a send would block for ever: bounded, like every wait here.
    s.sndtimeo = 2000
    if serverkey is not None:
        s.curve_publickey, s.curve_secretkey = zmq.curve_keypair()
        s.curve_serverkey = serverkey
    s.connect(f"tcp://127.0.0.1:{port}")
    return s


def probe(info, serverkey):
    """Asks shell and control for kernel_info, pings the heartbeat and listens on iopub; returns what came back."""
    ctx = zmq.Context()
    session = Session(key=info["key"].encode(), signature_scheme=info["signature_scheme"])
    got = []
    try:
        socks = {name: connect(ctx, kind, info[f"{name}_port"], serverkey)
                 for name, kind in [("shell", zmq.DEALER), ("control", zmq.DEALER), ("iopub", zmq.SUB), ("hb", zmq.REQ)]}
        socks["iopub"].setsockopt(zmq.SUBSCRIBE, b"")
        try:
            for name in ("shell", "control"):
                session.send(socks[name], "kernel_info_request", {})
            socks["hb"].send(b"ping")
        except zmq.Again:
            pass  # not even queued: certainly not answered
        poller = zmq.Poller()
        for s in socks.values():
            poller.register(s, zmq.POLLIN)
        deadline = time.monotonic() + 3
        while (left := deadline - time.monotonic()) > 0:
            for s, _ in poller.poll(int(left * 1000)):
                got.append((next(n for n, v in socks.items() if v is s), s.recv_multipart()))
        return got
    finally:
        ctx.destroy(linger=0)


def test_a_client_without_the_key_gets_nothing(encrypted):
    km, kc = encrypted
    with open(km.connection_file) as f:
        info = json.load(f)  # as written to disk: every value text
    assert probe(info, serverkey=None) == []  # plain sockets: the CURVE handshake never completes
    assert probe(info, serverkey=zmq.curve_keypair()[0]) == []  # the wrong server key
    # The same probe with the right key is answered, and the kernel is unharmed by the attempts.
    answered = {name for name, _ in probe(info, serverkey=info["curve_publickey"].encode())}
    assert {"shell", "control", "hb"} <= answered
    assert kc.execute_interactive("1 + 1", timeout=10)["content"]["status"] == "ok"


def test_half_a_keypair_is_refused():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "k.json")
        with open(path, "w") as f:
            json.dump({"shell_port": 0, "iopub_port": 0, "stdin_port": 0, "control_port": 0, "hb_port": 0,
                       "key": "k", "curve_publickey": zmq.curve_keypair()[0].decode()}, f)
        r = subprocess.run([kernel_binary(), "kernel", "--connection-file", path], capture_output=True, text=True,
                           timeout=20)
    assert r.returncode != 0
    assert "give both or neither" in r.stderr
