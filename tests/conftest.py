import socket

import pytest

from costcalc.prices import load_prices


@pytest.fixture(scope="session")
def table():
    return load_prices()


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never touch the network: any attempt to open a socket connection fails loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
