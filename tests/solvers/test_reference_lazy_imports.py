"""solvers.reference loads a reference's module on first use, so the default run imports only Cole–Hopf's."""

import subprocess
import sys

import solvers.reference


def test_every_exported_name_resolves_to_its_modules_object():
    from solvers.reference.burgers_cole_hopf import BurgersColeHopf
    from solvers.reference.riemann_exact import sample

    assert solvers.reference.BurgersColeHopf is BurgersColeHopf and solvers.reference.riemann_sample is sample
    assert set(solvers.reference.__all__) <= set(dir(solvers.reference))
    for name in solvers.reference.__all__:
        assert getattr(solvers.reference, name).__module__.startswith("solvers.reference.")


def test_cole_hopf_does_not_pull_in_scipy_or_the_fdtd_solver():
    code = (
        "import sys, solvers.reference as r; r.BurgersColeHopf; "
        "print(sorted(m for m in ('scipy.sparse', 'solvers.fdtd', 'solvers.reference.fem_poisson_p1') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_an_unknown_name_says_what_exists():
    try:
        solvers.reference.ColeHopf  # noqa: B018
    except AttributeError as err:
        assert "BurgersColeHopf" in str(err)
    else:
        raise AssertionError("an unknown name must raise AttributeError")
