"""Device, mode, dtype and seeding switches give the right objects and teaching errors."""

import os
import sys

import pytest
import torch

from sciml.runtime import (
    available_devices,
    compile_cache_dir,
    compile_if_graph,
    resolve_device,
    resolve_dtype,
    seed_everything,
    set_deterministic,
    validate_mode,
)


def test_cpu_and_auto():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda", "npu")
    assert "cpu" in available_devices()


def test_unknown_device_names_choices():
    with pytest.raises(ValueError, match=r"Expected one of \['auto', 'cpu', 'gpu', 'ascend'\]"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_missing_gpu_says_what_and_how():
    with pytest.raises(RuntimeError, match="device=gpu was requested.*CPU-only build.*device=cpu"):
        resolve_device("gpu")


def test_missing_ascend_says_install_torch_npu(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch_npu", None)  # makes `import torch_npu` raise ImportError
    with pytest.raises(RuntimeError, match="`torch_npu` package is not installed"):
        resolve_device("ascend")


def test_mode_and_dtype():
    assert validate_mode("graph") == "graph"
    with pytest.raises(ValueError, match="pynative"):
        validate_mode("eager")
    f = lambda x: x + 1
    assert compile_if_graph(f, "pynative") is f
    assert resolve_dtype("float64") is torch.float64
    with pytest.raises(ValueError, match="float32"):
        resolve_dtype("float16")


def test_seeding_is_reproducible():
    seed_everything(3)
    a = torch.rand(4)
    seed_everything(3)
    assert torch.equal(a, torch.rand(4))
    with pytest.raises(ValueError, match="non-negative integer"):
        seed_everything(-1)
    set_deterministic(True)
    assert torch.are_deterministic_algorithms_enabled()
    set_deterministic(False)
    assert not torch.are_deterministic_algorithms_enabled()


def test_an_eager_pinn_run_imports_neither_the_compiler_nor_scipy_stats_or_signal():
    """What an eager run loads: torch's compiler config (1 s), scipy.stats (0.7 s) and scipy.signal (0.6 s) were
    all imported before the first step without being used, and torch's optimisers import torch._dynamo (1.2 s)
    through the decorators on their methods. Adam, L-BFGS, a checkpoint and a resume must not pay any of it.
    Checked in a fresh interpreter."""
    import subprocess

    code = (
        "import sys, tempfile\n"
        "from sciml.config import compose\n"
        "from sciml.runtime import set_deterministic\n"
        "from solvers.pinn.build import solver_from_config\n"
        "import solvers.reference\n"
        "set_deterministic(False)\n"
        "def solver(lbfgs):\n"
        "    overrides = ['mode=pynative', 'optimizer.steps=3', f'optimizer.lbfgs_steps={lbfgs}']\n"
        "    return solver_from_config(compose(overrides))\n"
        "heavy = ('torch._dynamo', 'torch._inductor.config', 'scipy.stats', 'scipy.signal')\n"
        "trainer = solver(2).make_trainer()\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "trainer.fit()\n"
        "solver(4).fit(resume_from=str(trainer.save_checkpoint(tempfile.mkdtemp() + '/ckpt')))\n"
        "print(sorted(m for m in heavy[:2] if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-2:] == ["[]", "[]"]


def test_loading_every_experiment_plugin_imports_neither_scipy_nor_tensorboard():
    """``sciml run`` loads every experiment plug-in to compose its config; scipy's solvers (0.3 s) and TensorBoard
    load inside the functions that use them, so a run that needs neither does not pay for them before its first
    step. Checked in a fresh interpreter."""
    import subprocess

    code = (
        "import sys\n"
        "from sciml.plugins import experiments\n"
        "assert len(experiments()) > 10\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('scipy', 'tensorboard'))}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_auto_mode_compiles_only_long_runs(toy_pinn_run):
    """``mode=auto`` resolves by the run's length; a short PINN run through the CLI records pynative."""
    import json

    from sciml.runtime import AUTO_GRAPH_MIN_STEPS, resolve_mode

    assert resolve_mode("auto", AUTO_GRAPH_MIN_STEPS) == "graph"
    assert resolve_mode("auto", AUTO_GRAPH_MIN_STEPS - 1) == "pynative"
    assert resolve_mode("graph", 1) == "graph"
    with pytest.raises(ValueError, match="'auto' compiles long runs"):
        resolve_mode("eager", 10)
    code, out = toy_pinn_run("mode=auto", "optimizer.steps=5")
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["mode"] == "pynative" and metrics["loss_compiled"] is False


def test_profile_true_writes_a_trace_and_a_table(toy_pinn_run):
    """``sciml run profile=true``: a Chrome trace Perfetto opens, TensorBoard's trace, and the operator table."""
    import json

    code, out = toy_pinn_run("profile=true", "mode=pynative", "optimizer.steps=20")
    assert code == 0
    trace = json.loads((out / "profile" / "trace.json").read_text())
    names = {e.get("name", "") for e in trace["traceEvents"]}
    assert any(n.startswith("aten::") for n in names)  # real operator events were recorded
    table = (out / "profile" / "table.txt").read_text()
    assert "10 training steps after 5 skipped" in table and "Self CPU" in table
    assert list((out / "profile" / "tensorboard").glob("*.pt.trace.json"))


def test_compile_cache_is_per_torch_version_and_respects_a_chosen_folder(monkeypatch, tmp_path):
    from torch._inductor.runtime.cache_dir_utils import default_cache_dir

    probed = []  # the ISA probe, which compiles test libraries into a new folder, is tested on its own
    monkeypatch.setattr("sciml.runtime.mode.trust_recorded_vec_isa_probe", probed.append)
    monkeypatch.setenv("SCIML_CACHE", str(tmp_path))
    # torch's own default in the variable (torch writes it there on first use) is not a choice: ours is used
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", default_cache_dir())
    ours = compile_cache_dir()
    assert ours.parent == tmp_path / "inductor" and torch.__version__.split("+")[0] in ours.name
    compile_if_graph(lambda x: x, "graph")
    assert os.environ["TORCHINDUCTOR_CACHE_DIR"] == str(ours)
    assert probed == [tmp_path / "machine"]  # a fact about the machine: an emptied compile cache keeps it
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "mine"))  # a folder someone chose is kept
    compile_if_graph(lambda x: x, "graph")
    assert compile_cache_dir() == tmp_path / "mine" and os.environ["TORCHINDUCTOR_CACHE_DIR"] == str(tmp_path / "mine")
    # the CPU instruction-set probe is recorded per machine, whatever the compile cache, and only for CPU code
    compile_if_graph(lambda x: x, "graph", device="cuda")
    compile_if_graph(lambda x: x, "graph", device=torch.device("cpu"))
    assert probed == [tmp_path / "machine"] * 3
