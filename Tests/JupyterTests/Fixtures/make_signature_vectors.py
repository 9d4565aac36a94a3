"""Signs messages with jupyter_client's own Session and writes what it produced, so the Swift
codec's tests check our HMAC-SHA256 against the reference implementation.
Run from the repository root: .venv/bin/python Tests/JupyterTests/Fixtures/make_signature_vectors.py"""
import json
import os

from jupyter_client.session import Session

HERE = os.path.dirname(os.path.abspath(__file__))
vectors = []
for key, msg_type, content in [
    (b"secret-key", "execute_request", {"code": "unroll demo on [[1,1],[1,1],[2,2]]", "silent": False}),
    (b"0123456789abcdef0123456789abcdef", "kernel_info_request", {}),
    (b"k\xc3\xa9y", "complete_request", {"code": "mod\u00e9ls", "cursor_pos": 3}),
]:
    s = Session(key=key, signature_scheme="hmac-sha256", session="test-session", username="tester")
    msg = s.msg(msg_type, content=content)
    frames = s.serialize(msg, ident=[b"client-id"])
    vectors.append({
        "key": key.decode("utf-8"),
        "frames": [f.decode("utf-8") for f in frames],
    })
with open(os.path.join(HERE, "signature_vectors.json"), "w") as f:
    json.dump(vectors, f, indent=1)
print("wrote", len(vectors), "vectors")
