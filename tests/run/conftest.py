import sys
from pathlib import Path

import pandas as pd
import pytest

# Worker processes unpickle objectives by module name ("run.objectives"); they
# get the parent's sys.path, so put the folder holding this package on it.
_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.append(_TESTS)


def comparable(history: pd.DataFrame) -> pd.DataFrame:
    """A history without its timing column (everything else must be bit-identical)."""
    return history.drop(columns=["eval_time"]).reset_index(drop=True)


@pytest.fixture(scope="session")
def dask_executor():
    pytest.importorskip("dask.distributed")
    from spikeopt.run import DaskExecutor

    ex = DaskExecutor(n_workers=2, processes=False)
    yield ex
    ex.close()
