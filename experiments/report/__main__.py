"""`python3 -m experiments.report RESULTS_DIR [quick|paper]` prints REPORT.md."""
import sys

from experiments.report.assemble import cli

cli(sys.argv, "python3 -m experiments.report")
