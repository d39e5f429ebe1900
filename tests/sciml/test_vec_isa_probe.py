"""The recorded CPU vector-ISA probe (sciml/runtime/vec_isa_probe.py): same answer as torch's, probed once."""

import json
import platform

import pytest
from torch._inductor import config as inductor_config
from torch._inductor import cpu_vec_isa

from sciml.runtime import vec_isa_probe
from sciml.runtime.vec_isa_probe import RECORD_NAME, trust_recorded_vec_isa_probe

pytestmark = pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="the probe is x86-only")


@pytest.fixture
def untouched_config():
    """Every test starts with vec_isa_ok unset and leaves it as it found it."""
    with inductor_config.patch({"cpp.vec_isa_ok": None}):
        yield


def _found():
    found = vec_isa_probe._candidates_and_key()
    if found is None:
        pytest.skip("no C++ compiler or CPU flags for inductor here")
    return found


def test_the_record_is_torchs_own_probe_and_a_second_start_does_not_probe(tmp_path, monkeypatch, untouched_config):
    candidates, key = _found()
    trusted = trust_recorded_vec_isa_probe(tmp_path)
    record = json.loads((tmp_path / RECORD_NAME).read_text())
    assert record["valid"] == [str(isa) for isa in cpu_vec_isa.valid_vec_isa_list()]  # torch's answer
    assert record["key"] == key and trusted == (record["valid"] == candidates)
    if not trusted:
        pytest.skip(f"a candidate ISA failed here ({candidates} vs {record['valid']}): torch keeps probing")
    assert inductor_config.cpp.vec_isa_ok is True

    inductor_config.cpp.vec_isa_ok = None  # a new process

    def no_probe():
        raise AssertionError("probed again although the record matched")

    monkeypatch.setattr(cpu_vec_isa, "valid_vec_isa_list", no_probe)
    assert trust_recorded_vec_isa_probe(tmp_path) is True
    # and the instruction set inductor picks with the shortcut is the one its own probe picked
    monkeypatch.undo()
    assert [str(isa) for isa in cpu_vec_isa.valid_vec_isa_list()] == candidates


def _fake_probe(monkeypatch, valid):
    calls = []

    def probe():
        calls.append(1)
        return valid

    monkeypatch.setattr(cpu_vec_isa, "valid_vec_isa_list", probe)
    monkeypatch.setattr(vec_isa_probe, "_check_in_parallel", lambda isas: None)  # no real builds behind the fake
    return calls


def test_the_checks_run_once_per_candidate_each_in_its_own_thread():
    import threading

    seen = []

    class Candidate:
        def __init__(self, name):
            self.name = name

        def __bool__(self):
            seen.append((self.name, threading.current_thread().name))
            return True

    vec_isa_probe._check_in_parallel([Candidate(n) for n in ("amx", "vnni", "avx512", "avx2")])
    assert sorted(n for n, _ in seen) == ["amx", "avx2", "avx512", "vnni"]
    assert all(t.startswith("vec-isa-probe") for _, t in seen)

    class Broken(Candidate):
        def __bool__(self):
            raise RuntimeError("a torch release whose check raises")

    vec_isa_probe._check_in_parallel([Broken("x"), Candidate("avx2")])  # a head start only: never fatal


def test_a_failed_candidate_leaves_torchs_probe_on(tmp_path, monkeypatch, untouched_config):
    candidates, _ = _found()
    calls = _fake_probe(monkeypatch, candidates[1:])  # the widest one failed to build or load
    assert trust_recorded_vec_isa_probe(tmp_path) is False
    assert inductor_config.cpp.vec_isa_ok is None and len(calls) == 1
    assert trust_recorded_vec_isa_probe(tmp_path) is False and len(calls) == 1  # recorded, not probed again


@pytest.mark.parametrize("record", ["{not json", json.dumps({"key": {"torch": "1.0"}, "valid": []}), "[]"])
def test_a_foreign_or_corrupt_record_is_probed_again_and_replaced(tmp_path, monkeypatch, untouched_config, record):
    candidates, key = _found()
    (tmp_path / RECORD_NAME).write_text(record)
    calls = _fake_probe(monkeypatch, candidates)
    assert trust_recorded_vec_isa_probe(tmp_path) is bool(candidates)
    assert len(calls) == 1 and json.loads((tmp_path / RECORD_NAME).read_text())["key"] == key


def test_a_value_someone_chose_is_kept(tmp_path, monkeypatch):
    calls = _fake_probe(monkeypatch, [])
    with inductor_config.patch({"cpp.vec_isa_ok": False}):
        assert trust_recorded_vec_isa_probe(tmp_path) is False
        assert inductor_config.cpp.vec_isa_ok is False
    assert not calls and not (tmp_path / RECORD_NAME).exists()


def test_other_architectures_are_left_alone(tmp_path, monkeypatch, untouched_config):
    monkeypatch.setattr(vec_isa_probe.platform, "machine", lambda: "aarch64")
    assert trust_recorded_vec_isa_probe(tmp_path) is False and inductor_config.cpp.vec_isa_ok is None


def test_the_narrower_checks_are_asked_once_per_machine(tmp_path, monkeypatch):
    """torch's check_build (a compile and a dlopen in a subprocess) runs once per question that passes; later
    processes, and emptied compile caches, are answered from the record. Other flags, other code, another key or
    an earlier failure ask again."""
    asked = []

    def torch_check(isa, code):
        asked.append(code)
        return code == "builds"

    def no_check(isa, code):
        raise AssertionError(f"checked {code!r} again although the record holds the answer")

    path, key = tmp_path / RECORD_NAME, {"torch": "this one"}
    monkeypatch.setattr(vec_isa_probe, "_ACTIVE", {})  # this process's real record is restored afterwards
    monkeypatch.setattr(cpu_vec_isa.VecISA, "check_build", torch_check)
    vec_isa_probe.record_isa_checks(path, key, ["avx2"])
    isa = cpu_vec_isa.VecAVX2()
    assert isa.check_build("builds") is True and isa.check_build("fails") is False
    assert isa.check_build("builds") is True and isa.check_build("fails") is False
    assert asked == ["builds", "fails", "fails"]  # a failure may be transient: asked again, never recorded
    assert json.loads(path.read_text())["valid"] == ["avx2"] and len(json.loads(path.read_text())["checks"]) == 1

    monkeypatch.setattr(cpu_vec_isa.VecISA, "check_build", no_check)  # a new process, torch's check unwrapped
    vec_isa_probe.record_isa_checks(path, key, ["avx2"])
    assert isa.check_build("builds") is True
    with pytest.raises(AssertionError, match="checked 'fails' again"):
        isa.check_build("fails")
    monkeypatch.setattr(isa, "_arch_flags", isa._arch_flags + " -mavx512bf16")  # the flags are part of the question
    with pytest.raises(AssertionError, match="checked 'builds' again"):
        isa.check_build("builds")
    vec_isa_probe.record_isa_checks(path, {"torch": "an upgrade"}, ["avx2"])  # a foreign record answers nothing
    with pytest.raises(AssertionError, match="checked 'builds' again"):
        cpu_vec_isa.VecAVX2().check_build("builds")
