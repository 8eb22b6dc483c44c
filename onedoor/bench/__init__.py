"""`make bench`: the benchmarks of issue 17, each a ratio against a trivial view measured in
the same run. `python -m onedoor.bench` runs them (see `__main__`)."""
