"""Every shipped config composes and instantiates; bad keys and values fail at composition."""
from pathlib import Path

import pytest
from hydra.utils import instantiate

import configs
from sciml.config import ConfigError, compose

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
            assert instantiate(cfg[node]) is not None
    from solvers.pinn.from_config import phases_from_config, _plain

    assert phases_from_config(_plain(cfg.optimizer))


def test_default_is_burgers_pinn():
    cfg = compose()
    assert cfg.experiment == "burgers_pinn" and cfg.runner == "solvers.pinn.run_experiment"


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
    with pytest.raises(ConfigError, match=r"Unknown config key 'model.widht'.*Valid keys under 'model': \['name', 'width'"):
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
