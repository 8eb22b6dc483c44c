"""`make bench`: the benchmarks of issue 17, each a ratio against a trivial view measured in
the same run. `python -m onedoor.bench` runs them (see `__main__`)."""

# The benchmark modules, in the order `make bench` runs them; each has `run(context)`.
MODULES = (
    "queue",  # B1
    "child_page",  # B9
    "kpis",  # B3, B4
    "matching",  # B5
    "extracts",  # B6
    "throughput",  # B2
    "writers",  # B7
    "submissions",  # B8
)
