"""The deployment recipes (docs/deploy.md), as far as this machine can test them without Docker: the
files deploy/Dockerfile copies exist and reach the build context, the commands it runs work here
(a fresh Python environment gets the package and the kernelspec exactly as the image does), the
binary needs no shared library beyond libzmq and the C runtime, and the Zero to JupyterHub snippet
names real settings."""
import json
import os
import pathlib
import re
import subprocess
import sys

import yaml

from kernelproc import kernel_binary

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def instructions():
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_what_the_dockerfile_copies_exists_and_is_not_ignored():
    ignored = [l.strip() for l in (ROOT / ".dockerignore").read_text().splitlines() if l.strip() and not l.startswith("#")]
    copies = [args.split() for word, args in instructions() if word == "COPY" and not args.startswith("--from")]
    assert len(copies) >= 5
    for *sources, _dest in copies:
        for src in sources:
            assert (ROOT / src).exists(), src
            assert src not in ignored and not any(src.startswith(i + "/") for i in ignored), src
    images = [args.split()[0] for word, args in instructions() if word == "FROM"]
    assert images[-1].startswith("quay.io/jupyter/minimal-notebook")


def test_the_binary_needs_only_libzmq_beyond_the_c_runtime():
    assert "swift build -c release --static-swift-stdlib" in DOCKERFILE.read_text()
    r = subprocess.run(["readelf", "-d", kernel_binary()], capture_output=True, text=True, check=True)
    needed = set(re.findall(r"\(NEEDED\).*\[(.+?)\]", r.stdout))
    c_runtime = {"libstdc++.so.6", "libm.so.6", "libgcc_s.so.1", "libc.so.6", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}
    assert needed - c_runtime == {"libzmq.so.5"}, needed
    assert "apt-get install -y -qq --no-install-recommends libzmq5" in DOCKERFILE.read_text()


def test_the_image_install_steps_work_in_a_fresh_environment(tmp_path):
    # The image's steps, `pip install <python/>` then `rnn-kernel install --sys-prefix` with python3 the
    # environment's own and no VIRTUAL_ENV set, in a new virtual environment standing in for /opt/conda.
    run_line = next(args for word, args in instructions() if word == "RUN" and "rnn-kernel install" in args)
    assert "pip install --no-cache-dir /tmp/rnn-kernel-python" in run_line and "rnn-kernel install --sys-prefix" in run_line
    env_dir = tmp_path / "conda"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=120)
    py = env_dir / "bin" / "python"
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", str(ROOT / "python")], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = f"{env_dir / 'bin'}:{env['PATH']}"
    r = subprocess.run([kernel_binary(), "install", "--sys-prefix"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    spec = json.loads((env_dir / "share/jupyter/kernels/rnn/kernel.json").read_text())
    assert spec["argv"][0] == kernel_binary()
    assert spec["metadata"]["supported_encryption"] == ["curve"]
    r = subprocess.run([str(py), "-c", "from pygments.lexers import get_lexer_by_name; print(get_lexer_by_name('rnn').name)"],
                       capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "RNN", r.stderr


def test_the_tljh_prefix_install(tmp_path):
    # TLJH's user environment is /opt/tljh/user; docs/deploy.md installs with --prefix into it.
    assert "rnn-kernel install --prefix /opt/tljh/user" in (ROOT / "docs" / "deploy.md").read_text()
    r = subprocess.run([kernel_binary(), "install", "--prefix", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    from jupyter_client.kernelspec import KernelSpecManager
    spec = KernelSpecManager(kernel_dirs=[str(tmp_path / "share/jupyter/kernels")]).get_kernel_spec("rnn")
    assert spec.language == "rnn"


def test_the_zero_to_jupyterhub_snippet():
    config = yaml.safe_load((ROOT / "deploy" / "z2jh-config.yaml").read_text())
    doc = (ROOT / "docs" / "deploy.md").read_text()
    assert "z2jh-config.yaml" in doc
    single = config["singleuser"]
    assert single["image"]["name"] and single["image"]["tag"]
    mib = {"M": 1, "G": 1024}
    guarantee = int(single["memory"]["guarantee"][:-1]) * mib[single["memory"]["guarantee"][-1]]
    limit = int(single["memory"]["limit"][:-1]) * mib[single["memory"]["limit"][-1]]
    # A server (~100 MiB) and five kernels of the measured ~17 MiB fit the guarantee.
    assert 100 + 5 * 17 <= guarantee <= limit
    culling = single["extraFiles"]["kernel-culling"]
    assert culling["mountPath"].endswith("jupyter_server_config.json")
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
    traits = MappingKernelManager.class_traits(config=True)
    for name, value in culling["data"]["MappingKernelManager"].items():
        assert name in traits, name
        traits[name].validate(MappingKernelManager(), value)
    assert config["cull"]["enabled"] is True
