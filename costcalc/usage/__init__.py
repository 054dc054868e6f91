"""Real usage: provider logs read into one normalized schema, re-priced exactly and fast, turned into
workload profiles, and compared with a forecast."""
