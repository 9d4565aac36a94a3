"""A raw Jupyter wire client on pyzmq, and a kernel process started from the installed kernelspec,
so the probes control every byte the kernel receives."""
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import zmq

DELIM = b"<IDS|MSG>"


def kernel_binary():
    """The `rnn-kernel` the installed kernelspec names (argv[0] of kernel.json)."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("rnn")
    return spec.argv[0]


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class RawKernel:
    """Starts `rnn-kernel kernel --connection-file F` and talks to it over raw zmq sockets."""

    def __init__(self, env=None, subscribe=True):
        """env: variables added to this process's environment for the kernel. subscribe=False leaves
        IOPub unconnected and sends nothing, until `subscribe()`."""
        self.key = uuid.uuid4().hex.encode()
        self.session = uuid.uuid4().hex
        self.dir = tempfile.mkdtemp(prefix="rnn-probe-")
        shell, iopub, stdin, control, hb = free_ports(5)
        self.ports = dict(shell_port=shell, iopub_port=iopub, stdin_port=stdin, control_port=control, hb_port=hb)
        conn = dict(self.ports, ip="127.0.0.1", transport="tcp", signature_scheme="hmac-sha256",
                    key=self.key.decode(), kernel_name="rnn")
        self.conn_file = os.path.join(self.dir, "kernel.json")
        with open(self.conn_file, "w") as f:
            json.dump(conn, f)
        # Output to files, not pipes: an unread pipe fills and then blocks the kernel's next log line.
        self.log_path = os.path.join(self.dir, "kernel.log")
        self._final_log = None
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([kernel_binary(), "kernel", "--connection-file", self.conn_file],
                                         stdout=log, stderr=log, env=dict(os.environ, **env) if env else None)
        self.ctx = zmq.Context()
        self.shell = self._connect(zmq.DEALER, shell)
        self.control = self._connect(zmq.DEALER, control)
        self.hb = self._connect(zmq.REQ, hb)
        self.iopub = None
        if subscribe:
            self.subscribe()
            self._wait_ready()

    def subscribe(self):
        self.iopub = self._connect(zmq.SUB, self.ports["iopub_port"])
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")

    def _connect(self, kind, port):
        s = self.ctx.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        if kind == zmq.DEALER:
            s.setsockopt(zmq.IDENTITY, uuid.uuid4().hex.encode())
        s.connect(f"tcp://127.0.0.1:{port}")
        return s

    def _wait_ready(self):
        # The SUB socket needs a moment to subscribe; kernel_info until iopub carries its status proves both.
        deadline = time.time() + 30
        while time.time() < deadline:
            assert self.proc.poll() is None, self.stderr_text()
            mid = self.send(self.shell, "kernel_info_request", {})
            reply = self.recv(self.shell, timeout=2)
            if reply is not None and reply["parent_header"].get("msg_id") == mid:
                if self.drain_iopub(timeout=0.5):
                    self.drain_iopub(timeout=0.2)
                    return
        raise AssertionError("kernel did not answer kernel_info within 30 s: " + self.stderr_text())

    def stderr_text(self):
        state = "(kernel exited %s)" % self.proc.returncode if self.proc.poll() is not None else "(running)"
        return state + " " + self.log_text()[-2000:]

    def log_text(self):
        """What the kernel has written to stdout and stderr so far (all of it, after close())."""
        if self._final_log is not None:
            return self._final_log
        with open(self.log_path, errors="replace") as f:
            return f.read()

    # -- messages ------------------------------------------------------------------------------------
    def sign(self, parts):
        h = hmac.new(self.key, digestmod=hashlib.sha256)
        for p in parts:
            h.update(p)
        return h.hexdigest().encode()

    def header(self, msg_type):
        return {"msg_id": uuid.uuid4().hex, "session": self.session, "username": "probe",
                "date": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
                "msg_type": msg_type, "version": "5.3"}

    def frames(self, msg_type, content, header=None):
        header = header or self.header(msg_type)
        parts = [json.dumps(header).encode(), b"{}", b"{}", json.dumps(content).encode()]
        return header, parts

    def send(self, sock, msg_type, content):
        header, parts = self.frames(msg_type, content)
        sock.send_multipart([DELIM, self.sign(parts)] + parts)
        return header["msg_id"]

    def send_raw(self, sock, frames):
        sock.send_multipart(frames)

    def recv(self, sock, timeout=10):
        if not sock.poll(int(timeout * 1000)):
            return None
        frames = sock.recv_multipart()
        i = frames.index(DELIM)
        sig, parts = frames[i + 1], frames[i + 2:i + 6]
        assert hmac.compare_digest(sig, self.sign(parts)), "kernel sent a bad signature"
        header, parent, metadata, content = (json.loads(p) for p in parts)
        return {"header": header, "msg_type": header["msg_type"], "parent_header": parent,
                "metadata": metadata, "content": content}

    def reply_to(self, sock, msg_id, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg = self.recv(sock, timeout=max(0.05, deadline - time.time()))
            if msg is not None and msg["parent_header"].get("msg_id") == msg_id:
                return msg
        raise AssertionError(f"no reply to {msg_id} within {timeout} s")

    def iopub_for(self, msg_id, timeout=30):
        """All iopub messages for one request, up to and including its `idle` status."""
        out, deadline = [], time.time() + timeout
        while time.time() < deadline:
            msg = self.recv(self.iopub, timeout=max(0.05, deadline - time.time()))
            if msg is None or msg["parent_header"].get("msg_id") != msg_id:
                continue
            out.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return out
        raise AssertionError(f"no idle for {msg_id} within {timeout} s; got {[m['msg_type'] for m in out]}")

    def drain_iopub(self, timeout=0.2):
        got = []
        while True:
            msg = self.recv(self.iopub, timeout=timeout)
            if msg is None:
                return got
            got.append(msg)

    def execute(self, code, silent=False, store_history=True, stop_on_error=True, timeout=60):
        mid = self.send(self.shell, "execute_request",
                        {"code": code, "silent": silent, "store_history": store_history,
                         "user_expressions": {}, "allow_stdin": False, "stop_on_error": stop_on_error})
        reply = self.reply_to(self.shell, mid, timeout)
        return reply, self.iopub_for(mid, timeout)

    def stdout_of(self, code):
        reply, pub = self.execute(code)
        text = "".join(m["content"]["text"] for m in pub if m["msg_type"] == "stream")
        for m in pub:
            if m["msg_type"] in ("execute_result", "display_data"):
                text += m["content"]["data"].get("text/plain", "")
        return reply, text

    def heartbeat(self, timeout=5):
        self.hb.send(b"ping")
        if not self.hb.poll(int(timeout * 1000)):
            return False
        return self.hb.recv() == b"ping"

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for s in (self.shell, self.control, self.iopub, self.hb):
            if s is not None:
                s.close(0)
        self.ctx.term()
        self._final_log = self.log_text()
        shutil.rmtree(self.dir, ignore_errors=True)
