"""Province-scale data for the benchmarks: one module per part, `bench/generate.py` runs them."""
