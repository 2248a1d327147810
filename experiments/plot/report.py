#!/usr/bin/env python3
"""Assemble results/REPORT.md from the HDF5 results present in a results directory: the script entry
of the experiments/report package, kept at the path the docs and `make reproduce` use."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from experiments.report.assemble import cli  # noqa: E402

if __name__ == "__main__":
    cli(sys.argv, "experiments/plot/report.py")
