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
    "pages",  # the foundation's pages and queries, in milliseconds, without goals
)

# The module that measures each benchmark, for `--only B1,B5` and `--skip B7`.
BENCHMARKS = {
    "B1": "queue",
    "B2": "throughput",
    "B3": "kpis",
    "B4": "kpis",
    "B5": "matching",
    "B6": "extracts",
    "B7": "writers",
    "B8": "submissions",
    "B9": "child_page",
}
