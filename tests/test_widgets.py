"""Comms and the Jupyter widget protocol (version 2.1.0) through jupyter_client (issue 23): the models the
kernel opens, state sync, echo_update, request_state, custom, the jupyter.widget.control target, comm_info,
and the Output widget capturing a re-run by msg_id, as ipywidgets' does."""
import json
import os
import tempfile
import uuid

import pytest
from jupyter_client.manager import start_new_kernel

VIEW = "application/vnd.jupyter.widget-view+json"
DEMO = "cell demo = rnn(input=2, hidden=2, output=2, activation=linear, init=ones, bias=false)"


@pytest.fixture
def kc():
    km, client = start_new_kernel(kernel_name="rnn")
    yield client
    client.stop_channels()
    km.shutdown_kernel(now=True)


def collect(kc, msg_id, timeout=30):
    """IOPub messages parented to msg_id, from its busy to its idle (both included)."""
    out = []
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        out.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return out


def run(kc, code):
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=60)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "ok", reply["content"]
    return collect(kc, msg_id)


def comm(kc, msg_type, content, metadata=None):
    """Sends a comm message on shell as a front end does; returns what the kernel published for it."""
    msg = kc.session.msg(msg_type, content, metadata=metadata or {})
    kc.shell_channel.send(msg)
    msgs = collect(kc, msg["header"]["msg_id"])
    assert msgs[0]["msg_type"] == "status" and msgs[0]["content"]["execution_state"] == "busy", msgs[0]
    return msg["header"]["msg_id"], msgs


def update(kc, comm_id, state):
    return comm(kc, "comm_msg", {"comm_id": comm_id, "data": {"method": "update", "state": state, "buffer_paths": []}})


def opened(msgs):
    """comm_open messages: id → state."""
    return {m["content"]["comm_id"]: m for m in msgs if m["msg_type"] == "comm_open"}


def model(msgs, name, **match):
    for cid, m in opened(msgs).items():
        st = m["content"]["data"]["state"]
        if st["_model_name"] == name and all(st.get(k) == v for k, v in match.items()):
            return cid, st
    raise AssertionError(f"no {name} {match} among {[m['content']['data']['state']['_model_name'] for m in opened(msgs).values()]}")


def comm_msgs(msgs, comm_id, method):
    return [m["content"]["data"] for m in msgs
            if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == comm_id and m["content"]["data"].get("method") == method]


def test_slider_models_display_and_comm_info(kc):
    msgs = run(kc, "slider s from 0 to 10 step 1 value=3")
    opens = opened(msgs)
    for m in opens.values():
        assert m["content"]["target_name"] == "jupyter.widget"
        assert m["metadata"]["version"] == "2.1.0"
        assert m["content"]["data"]["buffer_paths"] == []
    sid, st = model(msgs, "IntSliderModel")
    assert (st["_model_module"], st["_model_module_version"]) == ("@jupyter-widgets/controls", "2.0.0")
    assert (st["_view_name"], st["value"], st["min"], st["max"], st["step"], st["description"]) == ("IntSliderView", 3, 0, 10, 1, "s")
    # The layout and style the JS side requires, referenced as ipywidgets does.
    layout = opens[st["layout"].removeprefix("IPY_MODEL_")]["content"]["data"]["state"]
    assert (layout["_model_name"], layout["_model_module"], layout["_model_module_version"]) == ("LayoutModel", "@jupyter-widgets/base", "2.0.0")
    style = opens[st["style"].removeprefix("IPY_MODEL_")]["content"]["data"]["state"]
    assert (style["_model_name"], style["_model_module_version"], style["_view_module"]) == ("SliderStyleModel", "2.0.0", "@jupyter-widgets/base")
    # Every comm_open came before the display that uses it.
    shown = [m for m in msgs if m["msg_type"] == "display_data"]
    assert len(shown) == 1 and shown[0]["content"]["data"][VIEW] == {"version_major": 2, "version_minor": 0, "model_id": sid}
    assert "s = 3" in shown[0]["content"]["data"]["text/plain"]
    assert msgs.index(shown[0]) > max(msgs.index(m) for m in opens.values())

    info = kc.comm_info(target_name="jupyter.widget")
    reply = kc.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == info and reply["content"]["status"] == "ok"
    assert reply["content"]["comms"] == {cid: {"target_name": "jupyter.widget"} for cid in opens}
    kc.comm_info(target_name="no.such.target")
    assert kc.get_shell_msg(timeout=10)["content"]["comms"] == {}
    # Without a filter: every open comm; the slider's value is bound like 'let'.
    kc.comm_info()
    assert set(kc.get_shell_msg(timeout=10)["content"]["comms"]) == set(opens)
    out = run(kc, "print s")
    assert any(m["msg_type"] == "stream" and m["content"]["text"] == "3\n" for m in out)


def test_update_echo_and_watch_capture(kc):
    sid, _ = model(run(kc, "slider s from 0 to 10 step 1 value=3"), "IntSliderModel")
    msgs = run(kc, "watch s: print s * 2")
    oid, ost = model(msgs, "OutputModel")
    assert (ost["_model_module"], ost["_model_module_version"]) == ("@jupyter-widgets/output", "1.0.0")
    # The first run's output is the Output widget's state (a console sees it as the text fallback).
    init = comm_msgs(msgs, oid, "update")
    assert init and init[-1]["state"]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "6\n"}]
    shown = [m for m in msgs if m["msg_type"] == "display_data"]
    assert shown[0]["content"]["data"][VIEW]["model_id"] == oid and shown[0]["content"]["data"]["text/plain"] == "6"

    update(kc, sid, {"value": 5})
    mid, msgs = update(kc, sid, {"value": 7})
    assert all(m["parent_header"]["msg_id"] == mid for m in msgs)
    assert comm_msgs(msgs, sid, "echo_update") == [{"method": "echo_update", "state": {"value": 7}, "buffer_paths": []}]
    # The Output widget captures by msg_id: set to this comm_msg's id, outputs parented to it, then cleared.
    kinds = [(m["msg_type"], m["content"].get("data", {}).get("state", {}).get("msg_id")) for m in msgs]
    i = kinds.index(("comm_msg", mid))
    j = kinds.index(("comm_msg", ""))
    between = [m for m in msgs[i + 1:j]]
    assert [m["msg_type"] for m in between] == ["clear_output", "stream"], kinds
    assert between[1]["content"]["text"] == "14\n"
    assert msgs[-1]["content"]["execution_state"] == "idle"
    out = run(kc, "print s")
    assert any(m["msg_type"] == "stream" and m["content"]["text"] == "7\n" for m in out)

    # Out of range: echoed as sent, then corrected by an update (ipywidgets clamps too).
    _, msgs = update(kc, sid, {"value": 99})
    assert comm_msgs(msgs, sid, "update")[0]["state"] == {"value": 10}
    # Not a number: refused (not echoed), and the front end is given the value back.
    _, msgs = update(kc, sid, {"value": "high"})
    assert comm_msgs(msgs, sid, "echo_update") == [] and comm_msgs(msgs, sid, "update")[0]["state"] == {"value": 10}
    # What the front end syncs back (the Output widget's outputs) is kept, so request_state returns it.
    outputs = [{"output_type": "stream", "name": "stdout", "text": "20\n"}]
    update(kc, oid, {"outputs": outputs})
    _, msgs = comm(kc, "comm_msg", {"comm_id": oid, "data": {"method": "request_state"}})
    full = comm_msgs(msgs, oid, "update")[0]
    assert full["state"]["outputs"] == outputs and full["state"]["_model_name"] == "OutputModel" and full["buffer_paths"] == []
    # custom: no model here has a handler; the kernel says so in its log and stays up.
    _, msgs = comm(kc, "comm_msg", {"comm_id": sid, "data": {"method": "custom", "content": {"event": "click"}}})
    assert [m["msg_type"] for m in msgs] == ["status", "status"]

    # The experiment log: the drags are one 'let s = ...' entry (the last value), the watch is not logged.
    path = os.path.join(tempfile.mkdtemp(), "log.jsonl")
    run(kc, f'export log to "{path}"')
    statements = [json.loads(line)["statement"] for line in open(path)]
    assert statements == ["slider s from 0 to 10 step 1 value=3", "let s = 10"], statements


def test_control_target_answers_request_states(kc):
    run(kc, DEMO)
    shown = run(kc, "unroll demo on [[1,1],[1,1],[2,2]] interactive=true")
    ids = set(opened(shown))
    cid = uuid.uuid4().hex
    _, msgs = comm(kc, "comm_open", {"comm_id": cid, "target_name": "jupyter.widget.control", "data": {}}, metadata={"version": "1.0.0"})
    assert not [m for m in msgs if m["msg_type"] == "comm_close"]
    _, msgs = comm(kc, "comm_msg", {"comm_id": cid, "data": {"method": "request_states"}})
    (data,) = comm_msgs(msgs, cid, "update_states")
    assert set(data["states"]) == ids
    for wid, entry in data["states"].items():
        st = entry["state"]
        assert (entry["model_name"], entry["model_module"], entry["model_module_version"]) == (
            st["_model_name"], st["_model_module"], st["_model_module_version"])
    names = sorted(e["model_name"] for e in data["states"].values())
    for n in ("IntSliderModel", "PlayModel", "LinkModel", "DropdownModel", "OutputModel", "VBoxModel", "HBoxModel", "LayoutModel",
              "SliderStyleModel", "DescriptionStyleModel"):
        assert n in names, names
    _, msgs = comm(kc, "comm_close", {"comm_id": cid, "data": {}})
    kc.comm_info(target_name="jupyter.widget.control")
    assert kc.get_shell_msg(timeout=10)["content"]["comms"] == {}


def test_unroll_slider_redraws_the_step(kc):
    run(kc, DEMO)
    msgs = run(kc, "unroll demo on [[1,1],[1,1],[2,2]] interactive=true")
    sid, st = model(msgs, "IntSliderModel", description="t")
    assert (st["min"], st["max"], st["value"]) == (1, 3, 1)
    pid, _ = model(msgs, "PlayModel")
    _, link = model(msgs, "LinkModel")
    assert link["source"] == [f"IPY_MODEL_{pid}", "value"] and link["target"] == [f"IPY_MODEL_{sid}", "value"]
    # The console's text is the whole step table.
    view = [m for m in msgs if m["msg_type"] == "display_data"][0]["content"]["data"]
    assert "| 3 | [2, 2] | [6, 6]  | [16, 16] | [32, 32] |" in view["text/plain"]
    mid, msgs = update(kc, sid, {"value": 3})
    shown = [m for m in msgs if m["msg_type"] == "display_data"]
    assert all(m["parent_header"]["msg_id"] == mid for m in shown)
    table, heatmap = shown[0]["content"]["data"], shown[1]["content"]["data"]
    assert "| 3 | [2, 2] | [6, 6]  | [16, 16] | [32, 32] |" in table["text/plain"]
    assert "| 1 |" not in table["text/plain"] and "<table" in table["text/html"]
    assert "up to t = 3 of 3" in heatmap["text/plain"] and "<svg" in heatmap["image/svg+xml"]
    # The dropdown: rows 1 to t instead of the one step; an index past the labels is put back.
    did, dst = model(msgs_all := run(kc, "unroll demo on [[1,1],[1,1],[2,2]] interactive=true"), "DropdownModel")
    assert dst["_options_labels"] == ["step t", "steps 1 to t"] and dst["index"] == 0
    sid2, _ = model(msgs_all, "IntSliderModel", description="t")
    update(kc, sid2, {"value": 2})
    _, msgs = update(kc, did, {"index": 1})
    table = [m for m in msgs if m["msg_type"] == "display_data"][0]["content"]["data"]["text/plain"]
    assert "steps 1 to 2 of 3" in table and "| 1 | [1, 1] | [0, 0]" in table and "| 2 | [1, 1] | [2, 2]" in table and "| 3 |" not in table
    _, msgs = update(kc, did, {"index": 5})
    assert comm_msgs(msgs, did, "update")[0]["state"] == {"index": 1}


def test_lstm_step_shows_the_gates(kc):
    run(kc, "cell l = lstm(input=1, hidden=2, seed=3)")
    msgs = run(kc, "unroll l on [0.5, -1, 2] interactive=true")
    sid, _ = model(msgs, "IntSliderModel", description="t")
    _, msgs = update(kc, sid, {"value": 2})
    table = [m for m in msgs if m["msg_type"] == "display_data"][0]["content"]["data"]["text/plain"]
    header = next(line for line in table.splitlines() if "x_t" in line)
    assert [h.strip() for h in header.strip("|").split("|")] == ["t", "x_t", "h_{t-1}", "i", "f", "g", "o", "c_t", "h_t", "y_t"]
    assert "| 2 | [-1]" in table and "step 2 of 3" in table


def test_gradients_slider_scales_W_hh(kc):
    run(kc, "cell g = rnn(input=1, hidden=4, output=1, seed=5)\nlet d = sine(count=8, length=12, seed=2)")
    msgs = run(kc, "plot gradients g on d interactive=true")
    sid, st = model(msgs, "FloatSliderModel")
    assert (st["min"], st["max"], st["value"], st["continuous_update"]) == (0, 3, 1, False)
    _, low = update(kc, sid, {"value": 0.5})
    _, high = update(kc, sid, {"value": 2.5})
    charts = [[m for m in got if m["msg_type"] == "display_data"][0]["content"]["data"] for got in (low, high)]
    # The text chart is 7-bit ASCII (× becomes x); the SVG keeps the title as written.
    assert "W_hh x 0.5" in charts[0]["text/plain"] and "W_hh x 2.5" in charts[1]["text/plain"]
    assert "W_hh × 0.5" in charts[0]["image/svg+xml"]
    assert charts[0]["image/svg+xml"] != charts[1]["image/svg+xml"]
    # The toggle: a linear axis, at the slider's current scale.
    tid, tst = model(msgs, "ToggleButtonModel")
    assert (tst["description"], tst["value"]) == ("log scale", True)
    _, lin = update(kc, tid, {"value": False})
    linear = [m for m in lin if m["msg_type"] == "display_data"][0]["content"]["data"]
    assert "W_hh × 2.5" in linear["image/svg+xml"] and linear["image/svg+xml"] != charts[1]["image/svg+xml"]
    # The model itself is untouched by the slider.
    out = run(kc, "show g.W_hh")
    before = [m for m in out if m["msg_type"] == "display_data"][0]["content"]["data"]["text/plain"]
    update(kc, sid, {"value": 0})
    out = run(kc, "show g.W_hh")
    assert [m for m in out if m["msg_type"] == "display_data"][0]["content"]["data"]["text/plain"] == before


def test_unknown_target_is_closed_and_bad_input_is_refused(kc):
    cid = uuid.uuid4().hex
    _, msgs = comm(kc, "comm_open", {"comm_id": cid, "target_name": "no.such.target", "data": {}})
    assert [m["content"]["comm_id"] for m in msgs if m["msg_type"] == "comm_close"] == [cid]
    # A message for a comm that is not open, and a watch that would change the session, change nothing.
    _, msgs = comm(kc, "comm_msg", {"comm_id": cid, "data": {"method": "update", "state": {"value": 1}}})
    assert [m["msg_type"] for m in msgs] == ["status", "status"]
    run(kc, "slider s from 0 to 1 step 0.1")
    msg_id = kc.execute("watch s: train m on d")
    reply = kc.get_shell_msg(timeout=30)
    assert reply["content"]["status"] == "error" and "changes the session" in reply["content"]["evalue"]
    msg_id = kc.execute("watch nope: print 1")
    reply = kc.get_shell_msg(timeout=30)
    assert reply["content"]["ename"] == "NameError"
    msg_id = kc.execute("slider z from 3 to 1")
    reply = kc.get_shell_msg(timeout=30)
    assert reply["content"]["status"] == "error" and "A < B" in reply["content"]["evalue"]


def test_front_ends_without_widgets_see_the_text(tmp_path):
    """nbclient runs the cells as nbconvert --execute does; the Markdown export has no widgets, only the text."""
    import subprocess
    import sys

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rnn", "display_name": "RNN", "language": "rnn"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in
                [DEMO, "unroll demo on [[1,1],[1,1],[2,2]] interactive=true", "slider s from 0 to 4 value=2\nwatch s: print s + 1"]]
    NotebookClient(nb, timeout=120, kernel_name="rnn").execute()
    unroll = nb.cells[1].outputs[0]["data"]
    assert VIEW in unroll and "| 3 | [2, 2] | [6, 6]  | [16, 16] | [32, 32] |" in unroll["text/plain"]
    watch = [o["data"]["text/plain"] for o in nb.cells[2].outputs]
    assert watch[0].startswith("s = 2 · a slider from 0 to 4") and watch[1] == "3", watch
    path = tmp_path / "widgets.ipynb"
    nbformat.write(nb, path)
    r = subprocess.run([sys.executable, "-m", "nbconvert", "--to", "markdown", str(path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "widgets.md").read_text()
    assert "[16, 16]" in md and "s = 2 · a slider" in md


def test_let_moves_the_slider_and_reruns_its_watch(kc):
    sid, _ = model(run(kc, "slider s from 0 to 10 value=3"), "IntSliderModel")
    oid, _ = model(run(kc, "watch s: print s * 2"), "OutputModel")
    msgs = run(kc, "let s = 8")
    assert comm_msgs(msgs, sid, "update") == [{"method": "update", "state": {"value": 8}, "buffer_paths": []}]
    assert [d["state"]["msg_id"] for d in comm_msgs(msgs, oid, "update")] == [msgs[0]["parent_header"]["msg_id"], ""]
    assert [m["content"]["text"] for m in msgs if m["msg_type"] == "stream"] == ["16\n"]
    # Out of the range (or not a number): the slider stays where it was.
    msgs = run(kc, "let s = 50")
    assert comm_msgs(msgs, sid, "update") == []


def test_stacked_bidirectional_step_has_a_table_per_layer_and_direction(kc):
    run(kc, "cell b = gru(input=1, hidden=2, layers=2, bidirectional=true, seed=1)")
    sid, _ = model(run(kc, "unroll b on [1, 2, 3, 4] interactive=true"), "IntSliderModel", description="t")
    _, msgs = update(kc, sid, {"value": 3})
    titles = [m["content"]["data"]["text/plain"].splitlines()[0] for m in msgs if m["msg_type"] == "display_data"]
    assert titles[:4] == [f"unroll b: layer {k}, {d} · step 3 of 4" for k in (0, 1) for d in ("forward", "reverse")], titles
    assert titles[4].startswith("unroll b: output, PyTorch's first result (1×4×4)") and "up to t = 3 of 4" in titles[5]


def test_a_cell_run_again_closes_the_widgets_of_its_last_run(kc):
    """JupyterLab and Notebook 7 send metadata.cellId (and deletedCells): a re-run cell's outputs are
    cleared, so the widgets they showed are closed (comm_close) instead of kept in the kernel for good."""
    def run_cell(code, **metadata):
        msg = kc.session.msg("execute_request", {"code": code, "silent": False, "store_history": True,
                                                 "user_expressions": {}, "allow_stdin": False}, metadata=metadata)
        kc.shell_channel.send(msg)
        reply = kc.get_shell_msg(timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]
        return collect(kc, msg["header"]["msg_id"])

    def open_comms():
        msg_id = kc.comm_info(target_name="jupyter.widget")
        return set(kc.get_shell_msg(timeout=30)["content"]["comms"])

    cell = DEMO + "\nunroll demo on [[1,1],[1,1],[2,2]] interactive=true"
    first = set(opened(run_cell(cell, cellId="cell-a")))
    slider = set(opened(run_cell("slider s from 0 to 4 value=2", cellId="cell-b")))
    again = run_cell(cell, cellId="cell-a")
    closed = {m["content"]["comm_id"] for m in again if m["msg_type"] == "comm_close"}
    assert closed == first
    assert open_comms() == slider | set(opened(again))
    # Metadata of the wrong kinds is ignored, as front-end metadata is: nothing closes, nothing fails.
    odd = run_cell(cell, cellId=5, deletedCells="cell-a")
    assert not [m for m in odd if m["msg_type"] == "comm_close"]
    # A deleted cell's widgets go too; its slider's name keeps its number.
    gone = run_cell("print s", cellId="cell-c", deletedCells=["cell-b", "never-ran"])
    assert {m["content"]["comm_id"] for m in gone if m["msg_type"] == "comm_close"} == slider
    assert any(m["msg_type"] == "stream" and m["content"]["text"].strip() == "2" for m in gone)
