"""A Jupyter Server (or Kernel Gateway) in its own process, and a client of its REST and WebSocket
API as JupyterLab (or a JupyterHub single-user server's front end) uses it."""
import asyncio
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from kernelproc import free_ports


class ServerProcess:
    """`python -m jupyter_server` (or `jupyter kernelgateway`) on 127.0.0.1 with a token; `stop()` ends it."""

    def __init__(self, args, gateway=False, startup_timeout=60):
        self.port = free_ports(1)[0]
        self.token = uuid.uuid4().hex
        self.dir = tempfile.mkdtemp(prefix="rnn-server-")
        self.base = f"http://127.0.0.1:{self.port}"
        if gateway:
            cmd = [sys.executable, "-m", "kernel_gateway", "--KernelGatewayApp.ip=127.0.0.1",
                   f"--KernelGatewayApp.port={self.port}", f"--KernelGatewayApp.auth_token={self.token}",
                   # GET /api/kernels is off by default on a gateway; the test lists what runs there.
                   "--JupyterWebsocketPersonality.list_kernels=True"]
        else:
            cmd = [sys.executable, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                   "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}", "--ServerApp.open_browser=False",
                   f"--ServerApp.root_dir={self.dir}"]
            if os.geteuid() == 0:
                cmd.append("--allow-root")
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=os.path.join(self.dir, "runtime"),
                   JUPYTER_CONFIG_DIR=os.path.join(self.dir, "config"))
        self.log = open(os.path.join(self.dir, "server.log"), "w+")
        self.proc = subprocess.Popen(cmd + list(args), stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=self.dir)
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                self.get("/api/kernelspecs")
                return
            except (urllib.error.URLError, ConnectionError):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    log = self.output()
                    self.stop()
                    raise RuntimeError(f"server did not start:\n{log}")
                time.sleep(0.2)

    def output(self):
        self.log.flush()
        return pathlib.Path(self.log.name).read_text()[-4000:]

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read()
            return json.loads(text) if text else None

    def get(self, path):
        return self.request("GET", path)

    def start_kernel(self, name):
        return self.request("POST", "/api/kernels", {"name": name})["id"]

    async def connect(self, kernel_id):
        url = f"ws://127.0.0.1:{self.port}/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
        ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {self.token}"}),
                                     max_message_size=64 << 20)
        return KernelSocket(ws)

    def stop(self):
        """Ends the server; it shuts its kernels down first (SIGTERM is its own clean shutdown)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if not self.log.closed:
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class KernelSocket:
    """One kernel's channels over the server's WebSocket (JSON messages with a `channel` field)."""

    def __init__(self, ws):
        self.ws = ws
        self.session = uuid.uuid4().hex

    def close(self):
        self.ws.close()

    async def send(self, msg_type, content, channel="shell"):
        msg_id = uuid.uuid4().hex
        await self.ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": msg_type, "session": self.session, "username": "student",
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "version": "5.5"},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel, "buffers": []}))
        return msg_id

    async def execute(self, code, timeout=120):
        """Runs a cell; returns (its outputs as a notebook would hold them, the execute_reply content, seconds)."""
        start = time.monotonic()
        msg_id = await self.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                                     "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        outputs, reply, idle = [], None, False
        while reply is None or not idle:
            raw = await asyncio.wait_for(self.ws.read_message(), timeout)
            if raw is None:
                raise ConnectionError("the kernel's WebSocket closed")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "execute_reply":
                reply = content
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
            elif kind == "stream":
                if outputs and outputs[-1]["output_type"] == "stream" and outputs[-1]["name"] == content["name"]:
                    outputs[-1]["text"] += content["text"]
                else:
                    outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
            elif kind in ("display_data", "execute_result"):
                outputs.append({"output_type": kind, "data": content["data"]})
            elif kind == "error":
                outputs.append({"output_type": "error", "ename": content["ename"], "evalue": content["evalue"]})
            elif kind == "clear_output":
                outputs.clear()
        return outputs, reply, time.monotonic() - start


def processes_of(kernel_id):
    """Pids whose command line names the kernel's connection file (kernel-<id>.json)."""
    pids = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if f"kernel-{kernel_id}.json".encode() in cmdline:
                pids.append(int(entry.name))
    return pids


def rss_mib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")
