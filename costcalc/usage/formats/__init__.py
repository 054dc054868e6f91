"""Per-format readers behind `costcalc.usage.read`: provider JSON lines, OTLP JSON spans, columnar files."""
