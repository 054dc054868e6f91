import os
import socket

import pytest

from costcalc.prices import load_prices


@pytest.fixture(scope="session")
def table():
    return load_prices()


@pytest.fixture(scope="session", autouse=True)
def own_cache_folder(tmp_path_factory):
    """The vocabulary cache (costcalc/tokens/rank_cache.py) of this test session goes to a tmp folder, never
    the user's: set in the environment, so `costcalc` processes the tests start use it too."""
    saved = os.environ.get("COSTCALC_CACHE_DIR")
    os.environ["COSTCALC_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        os.environ.pop("COSTCALC_CACHE_DIR", None)
    else:
        os.environ["COSTCALC_CACHE_DIR"] = saved


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never touch the network: any attempt to open a socket connection fails loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
