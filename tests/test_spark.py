"""Spark (issue 14 item 4): the compiled plan's SQL on Spark and costcalc's own pricer in mapInPandas give
the rows, totals (to the last digit), problems and assumptions of the local pricer on a generated log
reaching every pricing case. Marked `spark` (and slow: a JVM starts); `.ci/run` runs them where Java is."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

from costcalc.usage.chunk import UsageChunk
from costcalc.usage.run import reprice_chunks

from .helpers import same_reprice
from .usage_gen import generated_log

pytestmark = [pytest.mark.spark, pytest.mark.slow]
pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java", allow_module_level=True)

from costcalc.engines.spark import reprice  # noqa: E402

AS = ["deepseek-v4-pro", "claude-opus-4-7"]
BY = ["month", "tag:team"]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Overrides conftest's: Spark's driver talks to its own JVM over loopback sockets. Those are allowed;
    any other connection still fails loudly."""
    connect = socket.socket.connect

    def loopback_only(self, address, *args, **kwargs):
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"a test tried to open a network connection to {host}")
        return connect(self, address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # the driver and its JVM on loopback only
    session = (SparkSession.builder.master("local[2]").appName("costcalc-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
    yield session
    session.stop()


def test_spark_sql_and_udf_equal_local(spark, table):
    log = generated_log(table, 4000, 18)
    # Spark keeps microseconds: the local run gets the same instants (prices change on whole seconds anyway)
    log["timestamp"] = log["timestamp"].dt.floor("us")
    local = reprice_chunks([UsageChunk(log, len(log), [])], table, AS, BY)
    df = spark.createDataFrame(log)  # partitions: the default parallelism (2), merged as partials in udf mode
    same_reprice(reprice(df, table, AS, BY, mode="sql"), local)
    same_reprice(reprice(df, table, AS, BY, mode="udf"), local)
