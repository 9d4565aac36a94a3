"""`rnn-kernel replay` on a committed experiment log: every hash matches; a log whose data was
changed by hand is reported as a mismatch at the right statement, with both hashes."""
import json
import pathlib
import subprocess

from jupyter_client.kernelspec import KernelSpecManager

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"


def binary():
    return KernelSpecManager().get_kernel_spec("rnn").argv[0]


def replay(path):
    return subprocess.run([binary(), "replay", str(path)], capture_output=True, text=True, timeout=300)


def test_committed_log_replays_with_every_hash_matching():
    r = replay(FIXTURES / "experiment.jsonl")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == "all 8 statements replayed; every hash matches"
    assert all(line.startswith("✓") for line in lines[:-1])


def test_changed_data_is_a_mismatch_at_that_statement(tmp_path):
    entries = [json.loads(l) for l in (FIXTURES / "experiment.jsonl").read_text().splitlines()]
    # Change the dataset the model is trained on: statement 3 itself still runs, and the train
    # statement after it (4) must report different data and different weights.
    assert entries[2]["statement"] == "let data = sine(count=24, length=12)"
    entries[2]["statement"] = "let data = sine(count=24, length=13)"
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(json.dumps(e) + "\n" for e in entries))
    r = replay(tampered)
    assert r.returncode == 1
    assert "✗ 4: train net on data" in r.stdout
    assert "data fingerprint differs" in r.stderr
    assert entries[3]["data_sha256"] in r.stderr
    assert "replay stopped at statement 4 of 8" in r.stderr


def test_changed_weights_hash_is_reported_with_both_hashes(tmp_path):
    entries = [json.loads(l) for l in (FIXTURES / "experiment.jsonl").read_text().splitlines()]
    logged = entries[5]["weights_sha256"]
    entries[5]["weights_sha256"] = "0" * 64
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(json.dumps(e) + "\n" for e in entries))
    r = replay(tampered)
    assert r.returncode == 1
    assert "✗ 6: set backup.b_y = [0.5]" in r.stdout
    assert "0" * 64 in r.stderr and logged in r.stderr


def test_unreadable_log_exits_2(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    r = replay(bad)
    assert r.returncode == 2
    assert "line 1" in r.stderr


def test_a_log_edited_to_write_files_is_refused_before_anything_runs(tmp_path):
    """An entry holds one statement of a kind the log records. A crafted log that would save a model,
    export the log, or hide a second statement after a newline stops before its first entry runs."""
    entries = [json.loads(l) for l in (FIXTURES / "experiment.jsonl").read_text().splitlines()]
    target = tmp_path / "written.json"
    for i, (statement, expected) in enumerate([
        (f'save net to "{target}"', "'save' is not a statement the log records"),
        (f'export log to "{tmp_path / "log.jsonl"}"', "'export' is not a statement the log records"),
        (f'seed 1\nsave net to "{target}"', "it holds 2 statements"),
        ("print 1", "'print' is not a statement the log records"),
        ("1 + 1", "an expression is not a statement the log records"),
    ]):
        crafted = [dict(e) for e in entries]
        crafted[-1]["statement"] = statement
        path = tmp_path / f"crafted{i}.jsonl"
        path.write_text("".join(json.dumps(e) + "\n" for e in crafted))
        r = replay(path)
        assert r.returncode == 2, r.stdout + r.stderr
        assert f"entry {crafted[-1]['index']} of" in r.stderr and expected in r.stderr, r.stderr
        assert r.stdout == "", "an entry ran before the check"
        assert not target.exists()
