"""Re-pricing where the logs live: the price table compiled to a segments plan (plan.py), the SQL that
joins a usage table to it (sql.py), engine sums back into exact costcalc partials (results.py), and the
engines that run it: DuckDB (duckdb.py, the `duckdb` extra) and Spark (spark.py, the `spark` extra).
Neither engine is imported by `import costcalc`."""
