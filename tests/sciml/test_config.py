"""Every shipped config composes and instantiates; bad keys and values fail at composition."""

from pathlib import Path

import pytest

import configs
from sciml.config import ConfigError, compose, instantiate

CONFIG_DIR = Path(configs.__file__).parent
GROUPS = sorted(p.name for p in CONFIG_DIR.iterdir() if p.is_dir() and not p.name.startswith("_"))
OPTIONS = [(g, f.stem) for g in GROUPS for f in sorted((CONFIG_DIR / g).glob("*.yaml"))]


def test_groups_are_present():
    assert {"model", "optimizer", "trainer", "sampling", "problem", "geometry", "experiment"} <= set(GROUPS)


@pytest.mark.parametrize("group,option", OPTIONS, ids=[f"{g}={o}" for g, o in OPTIONS])
def test_every_config_composes_and_instantiates(group, option):
    cfg = compose([f"{group}={option}"])
    # the default experiment's evaluation reference belongs to its own problem; swapping the problem alone
    # makes a mixed config whose reference is not meant to be built
    nodes = ("problem", "geometry") if group in ("problem", "geometry") else ("problem", "geometry", "evaluation")
    for node in nodes:
        if cfg.get(node) is not None:
            assert instantiate(cfg[node], node) is not None
    from solvers.pinn.build import phases_from_config, plain

    assert phases_from_config(plain(cfg.optimizer))


def test_default_is_burgers_pinn():
    cfg = compose()
    assert cfg.experiment == "burgers_pinn" and cfg.runner == "pinn"


def test_plain_hydra_compose_api_validates_too():
    """A notebook user calling Hydra directly gets the same typed schema (registered on import)."""
    from hydra import compose as hcompose
    from hydra import initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_module(config_module="configs", version_base="1.3"):
        cfg = hcompose("config", overrides=["model.width=7"])
        assert cfg.model.width == 7
        with pytest.raises(Exception, match="widht"):
            hcompose("config", overrides=["model.widht=7"])
    GlobalHydra.instance().clear()


def test_unknown_key_names_key_and_valid_keys():
    with pytest.raises(
        ConfigError, match=r"Unknown config key 'model.widht'.*Valid keys under 'model': \['name', 'width'"
    ):
        compose(["model.widht=3"])
    with pytest.raises(ConfigError, match=r"Unknown config key 'devcie'.*Valid keys under '<top level>'"):
        compose(["devcie=cpu"])


def test_wrong_values_and_choices():
    with pytest.raises(ConfigError, match=r"Invalid value 'gpux', expected one of \[auto, cpu, gpu, ascend\]"):
        compose(["device=gpux"])
    with pytest.raises(ConfigError, match="model.width"):
        compose(["model.width=wide"])
    with pytest.raises(ConfigError, match="Available options"):
        compose(["model=resnet"])


@pytest.mark.parametrize(
    "overrides,message",
    [
        (["optimizer.gamma=-2"], r"optimizer.gamma = -2.0 is out of range: expected 0 < gamma <= 1"),
        (["optimizer.step_size=0"], r"optimizer.step_size = 0 is out of range: expected 1 <= step_size"),
        (["optimizer.history_size=0"], r"optimizer.history_size = 0 is out of range"),
        (["sampling.n_interior=0"], r"sampling.n_interior = 0 is out of range: expected 1 <= n_interior"),
        (["experiment=md_lj_nve", "md.kT=-1"], r"md.kT = -1.0 is out of range: expected 0 <= kT"),
        (["experiment=md_lj_nve", "md.output_every=0"], r"md.output_every = 0 is out of range"),
        (["experiment=md_lj_nve", "md.steps=0"], r"md.steps = 0 is out of range: expected 1 <= steps"),
        (["experiment=md_lj_nve", "md.dt=0"], r"md.dt = 0.0 is out of range: expected 0 < dt"),
        (["experiment=md_lj_nve", "md.dt=-0.01"], r"md.dt = -0.01 is out of range"),
        (
            ["experiment=fdtd_dipole2d", "dipole.cells_per_wavelength=1"],
            r"dipole.cells_per_wavelength = 1.0 is out of range: expected 5 <= cells_per_wavelength",
        ),
        (["experiment=euler_sod", "euler.left=[1,0,-1]"], r"euler.left\[2\] \(pressure\) = -1.0 is out of range"),
        (["trainer.recovery.lr_factor=2"], r"trainer.recovery.lr_factor = 2.0 is out of range"),
        (["threads=0"], r"threads = 0 is out of range: expected 1 <= threads"),
    ],
)
def test_numeric_options_out_of_range_fail_at_composition_naming_the_key(overrides, message):
    with pytest.raises(ConfigError, match=message):
        compose(overrides)


def test_adding_an_unknown_key_to_a_typed_node_fails_too():
    """``+key=value`` opens a node for Hydra, but a typed node keeps only its own keys (issue: +grid.left ran Sod)."""
    with pytest.raises(
        ConfigError, match=r"Unknown config key 'euler.lefty'. Valid keys under 'euler': \['n', 't_end'"
    ):
        compose(["experiment=euler_sod", "+euler.lefty=[1,0,1]"])


def test_adding_a_node_no_runner_reads_fails():
    """``+grid.left=3`` on euler_sod (the probe of the issue, verbatim) adds a top-level node nothing reads."""
    with pytest.raises(ConfigError, match=r"Unknown config node 'grid'\. This experiment's keys are \[.*'euler'"):
        compose(["experiment=euler_sod", "+grid.left=3"])


def test_defaults_live_in_the_settings_dataclass():
    """Keys an experiment's YAML leaves out come from its settings class (euler_sod.yaml sets no x0 or gamma)."""
    from solvers.grid.euler.experiment import RiemannSettings

    cfg = compose(["experiment=euler_sod"])
    assert (cfg.euler.x0, cfg.euler.gamma, cfg.euler.snapshot_every) == (0.5, 1.4, 20)
    defaults = RiemannSettings()
    assert (cfg.euler.x0, cfg.euler.gamma, cfg.euler.snapshot_every) == (
        defaults.x0,
        defaults.gamma,
        defaults.snapshot_every,
    )


def test_config_names_only_registered_plugins_and_components():
    with pytest.raises(ConfigError, match=r"runner = 'os.system' is not a registered experiment runner"):
        compose(["runner=os.system"])
    with pytest.raises(ConfigError, match=r"problem._target_ = 'os.system' is not a registered component"):
        compose(["problem._target_=os.system"])
    with pytest.raises(ConfigError, match=r"dataset: no dataset generator .* is registered as 'nope'"):
        compose(["dataset=darcy", "dataset.name=nope"])
