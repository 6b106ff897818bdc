import pytest


@pytest.fixture(scope="session")
def starter_cell_run(tmp_path_factory):
    """``spikeopt init cell`` then ``spikeopt.fit`` of its config, with the budget cut
    to 48 evaluations to keep the suite fast: (config, result, run folder)."""
    import spikeopt
    from spikeopt.fitting import load_config
    from spikeopt.fitting.scaffold import scaffold

    path = scaffold("cell", tmp_path_factory.mktemp("starter") / "cell")
    cfg = load_config(path)
    cfg["budget"] = {"evaluations": 48}
    result = spikeopt.fit(cfg, progress=False)
    return cfg, result, path.parent / "run"
