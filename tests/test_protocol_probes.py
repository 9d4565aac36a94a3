"""Wire-level probes with a raw pyzmq client: messages the kernel must refuse, and the protocol rules
a front end relies on (abort after error, interrupt, control while busy, shutdown, silent, counts, order)."""
import json
import time

import pytest

from kernelproc import DELIM, RawKernel

# Long enough that interrupt and control requests certainly arrive while it runs.
LONG_TRAIN = ("let d = adding(count=512, length=50, seed=1)\n"
              "cell big = lstm(input=2, hidden=64, output=1, seed=3)\n"
              "train big on d epochs=200 batch=32 lr=0.01")


@pytest.fixture
def k():
    kern = RawKernel()
    yield kern
    kern.close()


def assert_alive(k):
    assert k.heartbeat(), "heartbeat not echoed"
    mid = k.send(k.control, "kernel_info_request", {})
    reply = k.reply_to(k.control, mid, timeout=10)
    assert reply["msg_type"] == "kernel_info_reply"
    assert reply["content"]["status"] == "ok"


def assert_no_cell_named(k, name):
    _, text = k.stdout_of("models")
    assert name not in text, f"{name} was defined by a message that should have been refused:\n{text}"


def define_frames(k, name):
    return k.frames("execute_request",
                    {"code": f"cell {name} = rnn(input=1, hidden=1)", "silent": False, "store_history": True,
                     "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})


def test_forged_signature_is_not_executed(k):
    _, parts = define_frames(k, "forged")
    k.send_raw(k.shell, [DELIM, b"0" * 64] + parts)
    time.sleep(0.5)
    assert_alive(k)
    assert_no_cell_named(k, "forged")


def test_unsigned_is_not_executed(k):
    _, parts = define_frames(k, "unsigned")
    k.send_raw(k.shell, [DELIM, b""] + parts)
    time.sleep(0.5)
    assert_alive(k)
    assert_no_cell_named(k, "unsigned")


def test_replayed_message_runs_once(k):
    header, parts = k.frames("execute_request",
                             {"code": "cell replayed = rnn(input=1, hidden=1)", "silent": False,
                              "store_history": True, "user_expressions": {}, "allow_stdin": False,
                              "stop_on_error": True})
    frames = [DELIM, k.sign(parts)] + parts
    k.send_raw(k.shell, frames)
    first = k.reply_to(k.shell, header["msg_id"])
    assert first["content"]["status"] == "ok"
    k.iopub_for(header["msg_id"])
    k.execute("drop replayed")
    k.send_raw(k.shell, frames)  # the same signature again: must be ignored
    time.sleep(0.5)
    assert_alive(k)
    assert_no_cell_named(k, "replayed")


@pytest.mark.parametrize("frames", [
    [b"garbage"],
    [DELIM],
    [DELIM, b"sig"],
    [b"\xff\xfe", DELIM, b"x", b"{", b"}", b"[", b"]"],
    [b""] * 9,
])
def test_garbage_frames_keep_kernel_up(k, frames):
    k.send_raw(k.shell, frames)
    k.send_raw(k.control, frames)
    time.sleep(0.3)
    assert_alive(k)
    reply, text = k.stdout_of("1 + 1")
    assert reply["content"]["status"] == "ok"
    assert "2" in text


def test_bad_json_is_refused(k):
    header = json.dumps(k.header("execute_request")).encode()
    parts = [header, b"{}", b"{}", b'{"code": "cell badjson = rnn(input=1, hidden=1)", ']
    k.send_raw(k.shell, [DELIM, k.sign(parts)] + parts)
    time.sleep(0.5)
    assert_alive(k)
    assert_no_cell_named(k, "badjson")


@pytest.mark.parametrize("content", [
    {"code": 42, "silent": False},
    {"code": ["cell wrongtype = rnn(input=1, hidden=1)"]},
    {"code": "cell wrongtype = rnn(input=1, hidden=1)", "silent": "no"},
    {"code": "cell wrongtype = rnn(input=1, hidden=1)", "store_history": 3},
])
def test_wrong_field_types_are_refused(k, content):
    header, parts = k.frames("execute_request", content)
    k.send_raw(k.shell, [DELIM, k.sign(parts)] + parts)
    reply = k.recv(k.shell, timeout=2)
    if reply is not None:
        assert reply["content"]["status"] == "error", reply
    assert_alive(k)
    assert_no_cell_named(k, "wrongtype")


def test_header_of_wrong_type_is_refused(k):
    parts = [b"[]", b"{}", b"{}", json.dumps({"code": "cell hdr = rnn(input=1, hidden=1)"}).encode()]
    k.send_raw(k.shell, [DELIM, k.sign(parts)] + parts)
    time.sleep(0.5)
    assert_alive(k)
    assert_no_cell_named(k, "hdr")


def test_abort_after_error_with_stop_on_error(k):
    # The failing cell trains for a moment first, so the two requests sent behind it are surely queued
    # when it fails (as in "Run all"), however slowly a loaded machine schedules this client.
    failing = "cell w = rnn(input=1, hidden=32, output=1)\ntrain w on sine(count=8192, length=50) epochs=1\nlet y = undefined_name"
    codes = [failing, "cell after1 = rnn(input=1, hidden=1)", "cell after2 = rnn(input=1, hidden=1)"]
    ids = [k.send(k.shell, "execute_request",
                  {"code": c, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}) for c in codes]
    replies = [k.reply_to(k.shell, mid) for mid in ids]
    assert replies[0]["content"]["status"] == "error"
    assert replies[0]["content"]["ename"] == "NameError"
    assert [r["content"]["status"] for r in replies[1:]] == ["aborted", "aborted"]
    k.drain_iopub(0.3)
    # The queue is only aborted up to the error's moment: later requests run again.
    reply, text = k.stdout_of("models")
    assert reply["content"]["status"] == "ok"
    assert "after1" not in text and "after2" not in text


def test_no_abort_without_stop_on_error(k):
    first = k.send(k.shell, "execute_request",
                   {"code": "let y = undefined_name", "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": False})
    second = k.send(k.shell, "execute_request",
                    {"code": "cell kept = rnn(input=1, hidden=1)", "silent": False, "store_history": True,
                     "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    assert k.reply_to(k.shell, first)["content"]["status"] == "error"
    assert k.reply_to(k.shell, second)["content"]["status"] == "ok"


def test_interrupt_during_train_keeps_model(k):
    mid = k.send(k.shell, "execute_request",
                 {"code": LONG_TRAIN, "silent": False, "store_history": True, "user_expressions": {},
                  "allow_stdin": False, "stop_on_error": True})
    time.sleep(1.5)
    # control answers while shell is busy
    assert k.heartbeat()
    info = k.send(k.control, "kernel_info_request", {})
    assert k.reply_to(k.control, info, timeout=5)["msg_type"] == "kernel_info_reply"
    assert k.recv(k.shell, timeout=0.1) is None, "training finished too early to probe an interrupt"
    irq = k.send(k.control, "interrupt_request", {})
    assert k.reply_to(k.control, irq, timeout=10)["content"]["status"] == "ok"
    reply = k.reply_to(k.shell, mid, timeout=30)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    k.iopub_for(mid)
    assert_alive(k)
    _, text = k.stdout_of("models")
    assert "big" in text


def test_shutdown_exits_zero(k):
    mid = k.send(k.control, "shutdown_request", {"restart": False})
    reply = k.reply_to(k.control, mid, timeout=10)
    assert reply["content"]["status"] == "ok"
    assert reply["content"]["restart"] is False
    assert k.proc.wait(10) == 0


def test_silent_execute_publishes_only_status(k):
    reply, pub = k.execute('print "quiet"\n1 + 1', silent=True)
    assert reply["content"]["status"] == "ok"
    assert [m["msg_type"] for m in pub] == ["status", "status"]
    assert [m["content"]["execution_state"] for m in pub] == ["busy", "idle"]


def test_execution_count_rules(k):
    r1, _ = k.execute("1")
    n = r1["content"]["execution_count"]
    r2, _ = k.execute("2", store_history=False)
    r3, _ = k.execute("3", silent=True)
    r4, _ = k.execute("let z = undefined_name")
    r5, _ = k.execute("4")
    # store_history=false and silent do not count; an error does.
    assert r2["content"]["execution_count"] == n
    assert r3["content"]["execution_count"] == n
    assert r4["content"]["execution_count"] == n + 1
    assert r5["content"]["execution_count"] == n + 2


def test_iopub_order(k):
    reply, pub = k.execute('print "a"\nshow [[1, 2], [3, 4]]\n1 + 1')
    kinds = [m["msg_type"] for m in pub]
    assert kinds[0] == "status" and pub[0]["content"]["execution_state"] == "busy"
    assert kinds[1] == "execute_input"
    assert pub[1]["content"]["code"].startswith('print "a"')
    assert kinds[-1] == "status" and pub[-1]["content"]["execution_state"] == "idle"
    assert kinds[2:-1] == ["stream", "display_data", "execute_result"]
    assert pub[-2]["content"]["execution_count"] == reply["content"]["execution_count"]


def test_outputs_published_before_the_first_subscription_are_kept():
    """A front end may send its first request before its SUB socket has subscribed (jupyter console 6
    does not wait for iopub_welcome): the kernel holds what it publishes meanwhile for the first
    subscriber, so that request's busy, output and idle are not lost and the front end does not wait
    for an idle that never comes. Here the SUB socket connects only after the reply has arrived."""
    k = RawKernel(subscribe=False)
    try:
        mid = k.send(k.shell, "execute_request",
                     {"code": "print 6 * 7", "silent": False, "store_history": True,
                      "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        reply = k.reply_to(k.shell, mid, timeout=30)
        assert reply["content"]["status"] == "ok"
        k.subscribe()
        first = k.recv(k.iopub, timeout=10)
        assert first is not None and first["msg_type"] == "iopub_welcome"
        starting = k.recv(k.iopub, timeout=10)
        assert starting is not None and starting["msg_type"] == "status" and starting["content"]["execution_state"] == "starting"
        pub = k.iopub_for(mid, timeout=10)
        assert [m["msg_type"] for m in pub] == ["status", "execute_input", "stream", "status"]
        assert pub[0]["content"]["execution_state"] == "busy" and pub[-1]["content"]["execution_state"] == "idle"
        assert pub[2]["content"]["text"] == "42\n"
        # Once someone has subscribed, publications go out as they are made.
        reply, pub = k.execute("print 1 + 1")
        assert [m["msg_type"] for m in pub] == ["status", "execute_input", "stream", "status"]
        assert_alive(k)
    finally:
        k.close()


@pytest.mark.parametrize("ping", [
    [b"one", b"two"],           # a REQ message of two frames
    [b"a", b"b", b"c"],         # and of three
    [b""],                      # an empty frame
])
def test_heartbeat_survives_multipart_pings(k, ping):
    """The heartbeat echoes what it gets, frame for frame, and keeps echoing: one odd ping once
    stopped it for good (a REP socket's loop ended on it) while shell kept answering."""
    k.hb.send_multipart(ping)
    assert k.hb.poll(5000), "no echo"
    assert k.hb.recv_multipart() == ping
    assert k.heartbeat() and k.heartbeat()


def test_heartbeat_survives_a_dealer_without_an_envelope(k):
    """A DEALER sends no empty delimiter frame, as a REQ does; its ping is echoed and later pings too."""
    import zmq
    dealer = k.ctx.socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.connect(f"tcp://127.0.0.1:{k.ports['hb_port']}")
    try:
        for frames in ([b"ping"], [b"", b"x", b"y"], [b"p"] * 5):
            dealer.send_multipart(frames)
            assert dealer.poll(5000), f"no echo of {frames}"
            assert dealer.recv_multipart() == frames
        assert k.heartbeat()
    finally:
        dealer.close(0)
    assert_alive(k)


@pytest.mark.parametrize("part, bad, expected", [
    (3, b"[]", "content must be a JSON object"),
    (3, b'"cell x = rnn(input=1, hidden=1)"', "content must be a JSON object"),
    (1, b"42", "parent_header must be a JSON object"),
    (2, b"{\"a\": \xff}", "metadata is not valid JSON"),
    (3, b'{"code": "cell x = rnn(input=1, hidden=1)\xff"}', "content is not valid JSON"),
])
def test_signed_message_with_a_bad_part_gets_an_error_reply(k, part, bad, expected):
    """Signed, with a sound header, but another part is not a JSON object: the request is answered
    with an error naming the part (it was dropped with only a line on stderr), and nothing runs."""
    header, parts = define_frames(k, "x")
    parts[part] = bad
    k.send_raw(k.shell, [DELIM, k.sign(parts)] + parts)
    reply = k.reply_to(k.shell, header["msg_id"], timeout=10)
    assert reply["msg_type"] == "execute_reply"
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "ProtocolError"
    assert expected in reply["content"]["evalue"], reply["content"]
    pub = k.iopub_for(header["msg_id"], timeout=10)
    assert [m["content"].get("execution_state") for m in pub] == ["busy", "idle"]
    assert_alive(k)
    assert_no_cell_named(k, "x")


def test_malformed_shutdown_is_refused_not_obeyed(k):
    header, parts = k.frames("shutdown_request", {"restart": False})
    parts[3] = b"[false]"
    k.send_raw(k.control, [DELIM, k.sign(parts)] + parts)
    reply = k.reply_to(k.control, header["msg_id"], timeout=10)
    assert reply["content"]["status"] == "error"
    time.sleep(0.3)
    assert k.proc.poll() is None, "a refused shutdown_request stopped the kernel"
    assert_alive(k)


@pytest.mark.parametrize("msg_type, channel", [("usage_request", "control"), ("frobnicate_request", "shell"),
                                               ("frobnicate_request", "control")])
def test_unknown_requests_get_an_error_reply(k, msg_type, channel):
    sock = getattr(k, channel)
    mid = k.send(sock, msg_type, {})
    reply = k.reply_to(sock, mid, timeout=10)
    assert reply["msg_type"] == msg_type.replace("_request", "_reply")
    assert reply["content"]["status"] == "error"
    assert f"does not handle {msg_type}" in reply["content"]["evalue"]
    assert_alive(k)


def test_stdin_is_drained_so_unasked_messages_do_not_pile_up(k):
    """The kernel never sends input_request, so nothing on stdin is awaited: it is read and dropped.
    Unread, 3000 messages of 60 KB (180 MB) would stop the sender once the queues on both sides
    filled; a message over 64 KiB closes its sender's connection. The kernel's memory stays small."""
    import zmq
    stdin = k.ctx.socket(zmq.DEALER)
    stdin.setsockopt(zmq.LINGER, 0)
    stdin.setsockopt(zmq.SNDTIMEO, 10000)
    stdin.setsockopt(zmq.SNDHWM, 100)
    stdin.connect(f"tcp://127.0.0.1:{k.ports['stdin_port']}")
    blob = b"x" * 60_000
    try:
        for i in range(3000):
            stdin.send_multipart([DELIM, b"", blob])  # unsigned: would be refused anyway
        huge = k.ctx.socket(zmq.DEALER)
        huge.setsockopt(zmq.LINGER, 0)
        huge.connect(f"tcp://127.0.0.1:{k.ports['stdin_port']}")
        huge.send(b"y" * 200_000)
        huge.close(0)
    except zmq.Again:
        raise AssertionError(f"stdin stopped taking messages after {i}: the kernel does not read it")
    finally:
        stdin.close(0)
    assert_alive(k)
    with open(f"/proc/{k.proc.pid}/status") as f:
        rss_kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    assert rss_kb < 150_000, f"kernel holds {rss_kb} kB after the stdin flood"
    reply, text = k.stdout_of("1 + 1")
    assert reply["content"]["status"] == "ok" and "2" in text
    log = k.log_text()
    assert "on stdin so far" in log and log.count("on stdin so far") <= 6, log[-2000:]
