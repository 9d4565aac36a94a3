"""Protocol 5.5 as messaging.rst states it for a kernel without its optional features: kernel_info on
shell and control declares 5.5 and an empty `supported_features`; subshell and debug requests, which
the kernel does not offer, get an error reply naming what it answers (the spec lets a kernel send none;
a reply tells a waiting client at once) and leave the kernel answering."""
import pytest

from kernelproc import RawKernel


@pytest.fixture
def k():
    kern = RawKernel()
    yield kern
    kern.close()


def test_kernel_info_declares_5_5(k):
    for sock in (k.shell, k.control):
        reply = k.reply_to(sock, k.send(sock, "kernel_info_request", {}), timeout=10)
        assert reply["header"]["version"] == "5.5"
        content = reply["content"]
        assert content["protocol_version"] == "5.5"
        assert content["supported_features"] == []
        assert content["debugger"] is False  # deprecated in 5.5, kept for older front ends


@pytest.mark.parametrize("msg_type, sock", [("create_subshell_request", "control"), ("list_subshell_request", "control"),
                                             ("delete_subshell_request", "control"), ("debug_request", "control")])
def test_features_not_offered_get_an_error_reply(k, msg_type, sock):
    s = getattr(k, sock)
    content = {"subshell_id": "x"} if msg_type == "delete_subshell_request" else {}
    mid = k.send(s, msg_type, content)
    got = [m for m in iter(lambda: k.recv(s, timeout=1.0), None) if m["parent_header"].get("msg_id") == mid]
    assert [m["msg_type"] for m in got] == [msg_type.replace("_request", "_reply")]
    assert got[0]["content"]["status"] == "error" and got[0]["content"]["ename"] == "ProtocolError"
    assert f"does not handle {msg_type}" in got[0]["content"]["evalue"]
    reply = k.reply_to(s, k.send(s, "kernel_info_request", {}), timeout=10)
    assert reply["msg_type"] == "kernel_info_reply"
