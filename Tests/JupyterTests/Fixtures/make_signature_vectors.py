"""Signs messages with jupyter_client's own Session and writes what it produced, so the Swift
codec's tests check our HMAC-SHA256 against the reference implementation.
Run from the repository root: .venv/bin/python Tests/JupyterTests/Fixtures/make_signature_vectors.py
Each vector: the key, the frames Session.serialize wrote (identity, delimiter, signature, header,
parent_header, metadata, content, buffers), and which of them are binary buffers (hex, since they
need not be UTF-8)."""
import json
import os

from jupyter_client.session import Session

HERE = os.path.dirname(os.path.abspath(__file__))

cases = [
    # key, msg_type, content, parent_header, metadata, buffers
    (b"secret-key", "execute_request", {"code": "unroll demo on [[1,1],[1,1],[2,2]]", "silent": False}, None, {}, []),
    (b"0123456789abcdef0123456789abcdef", "kernel_info_request", {}, None, {}, []),
    (b"k\xc3\xa9y", "complete_request", {"code": "mod\u00e9ls \U0001F600", "cursor_pos": 3}, None, {}, []),
    # A reply-shaped message: parent header, metadata and binary buffers (which the signature leaves out).
    (b"a-much-longer-key-" * 8, "execute_reply", {"status": "ok", "execution_count": 7, "user_expressions": {}},
     "parent", {"started": "2026-01-01T00:00:00Z", "dependencies_met": True}, [b"\x00\x01\xfe\xff", b""]),
    # No key: jupyter_client sends an empty signature and checks nothing.
    (b"", "history_request", {"hist_access_type": "tail", "n": 3, "output": True, "raw": True}, None, {}, []),
]

vectors = []
for key, msg_type, content, parent, metadata, buffers in cases:
    s = Session(key=key, signature_scheme="hmac-sha256", session="test-session", username="tester")
    parent_header = s.msg_header("execute_request") if parent else None
    msg = s.msg(msg_type, content=content, parent=({"header": parent_header} if parent_header else None), metadata=metadata)
    frames = s.serialize(msg, ident=[b"client-id"])
    frames += buffers
    vectors.append({
        "key": key.decode("utf-8"),
        "signature": frames[2].decode("ascii"),
        "frames": [f.decode("utf-8") for f in frames[:7]],
        "buffers_hex": [b.hex() for b in buffers],
    })
with open(os.path.join(HERE, "signature_vectors.json"), "w") as f:
    json.dump(vectors, f, indent=1, ensure_ascii=False)
    f.write("\n")
print("wrote", len(vectors), "vectors")
