"""One look for every fmkit plot: legible legends (9 pt), and series told apart by colour, marker
and line style together, so a figure with more than ten series does not repeat a style.

    import style
    style.apply()                  # before any figure is made
    style.legend_outside(ax)       # a legend beside the axes, where it covers no curve

experiments/plot/test_plots.py renders every plot with matplotlib's warnings turned into errors."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from cycler import cycler  # noqa: E402

COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:gray",
          "tab:olive", "tab:cyan"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p", "d"]
LINESTYLES = ["-", "--", "-.", ":"]


def series_cycler():
    """40 distinct styles: colour, marker (13 of them, so colour-marker pairs do not repeat) and a
    line style that changes with each round of the ten colours."""
    n = len(COLORS) * len(LINESTYLES)
    ls = [LINESTYLES[(i // len(COLORS)) % len(LINESTYLES)] for i in range(n)]
    return (cycler(color=[COLORS[i % len(COLORS)] for i in range(n)]) + cycler(linestyle=ls) +
            cycler(marker=[MARKERS[i % len(MARKERS)] for i in range(n)]))


def apply():
    plt.rcParams.update({
        "font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "legend.fontsize": 9,
        "xtick.labelsize": 9, "ytick.labelsize": 9, "lines.markersize": 4, "axes.prop_cycle": series_cycler(),
        "legend.framealpha": 0.85,
    })


def legend_outside(ax, **kw):
    """The legend to the right of the axes (it never hides a curve); nothing when nothing is labelled."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, **kw)


def style_key(ax, entries, **kw):
    """A second legend that explains a style (e.g. solver markers), kept beside the series legend."""
    from matplotlib.legend import Legend
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color="black", **style) for _, style in entries]
    kw.setdefault("loc", "lower left")
    # An extra artist, so the axes' own legend (the series) stays as it is.
    leg = Legend(ax, handles, [name for name, _ in entries], **kw)
    ax.add_artist(leg)
    return leg


def no_data(ax, why):
    """An empty panel says why it is empty rather than showing a blank frame."""
    ax.text(0.5, 0.5, why, ha="center", va="center", transform=ax.transAxes, fontsize=9, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


