"""Figures readable in print (issue 16): size, fonts, axis names, legends, grey scale, colour.

Every figure is drawn from a tiny real sweep (the ``tiny`` preset, two seeds) or from
synthetic surfaces that show every mark (diverged cells, the threshold contour, the matched
edge, ridge points with intervals), and checked as printed: the key includes a figure at its
natural size, or scaled down to the text width (:data:`PRINT_WIDTH`) when wider, so a text's
printed size is its font size times that scale. Each check is shown to fail on what the
figures did before (tiny fonts on 14-inch figures, "wd: decay rate" on both AdamW axes, no
legend, cyan and white overlays without an outline, one marker shape for both spiral classes).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import Collection
from matplotlib.colors import to_rgba
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.text import Text

from wdproof.numerics.optimizers.conventions import VARIANTS, DecayConvention
from wdproof.numerics.sweep import plots, schedule_plots
from wdproof.numerics.sweep import store as sweep_store
from wdproof.numerics.sweep.config import preset
from wdproof.numerics.sweep.ridge_plot import plot_ridge

#: The key's text width in inches: a wider figure is scaled down to it.
PRINT_WIDTH = 6.6
MIN_POINTS = 8.0
MIN_PANEL_INCHES = 1.9
#: Colour maps with a monotone luminance (and their reverses).
ALLOWED_CMAPS = {
    name + suffix
    for name in ("viridis", "cividis", "magma", "inferno", "plasma", "gray", "Greys")
    for suffix in ("", "_r")
}
#: How each variant's wd axis must name its quantity: (must contain, must not contain).
QUANTITY = {
    "adam-l2": (("\\lambda'", "L_2"), ("weight_decay",)),
    "adamw-torch": (("weight_decay", "$w"), ("\\lambda",)),
    "adamw-paper": (("\\lambda", "paper"), ("\\lambda'", "weight_decay")),
}


# ----- measuring a figure as printed ------------------------------------------------------------


def luminance(colour) -> float:
    """Relative luminance (0 black .. 1 white) of a matplotlib colour: what grey scale keeps."""
    rgb = np.array(to_rgba(colour)[:3])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def texts(fig) -> list[Text]:
    """Every visible, non-empty text of ``fig`` (draw it first: ticks are made lazily)."""
    return [
        t
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_figure() is not None
    ]


def too_small(fig) -> list[tuple[str, float]]:
    """``(text, printed points)`` of every text below :data:`MIN_POINTS` as printed."""
    scale = min(1.0, PRINT_WIDTH / fig.get_figwidth())
    return [
        (t.get_text(), round(t.get_fontsize() * scale, 1))
        for t in texts(fig)
        if t.get_fontsize() * scale < MIN_POINTS - 1e-9
    ]


def outside(fig) -> list[str]:
    """Texts (of drawn axes' titles, labels and legends) reaching past the figure's edge."""
    box = fig.bbox
    renderer = fig.canvas.get_renderer()
    candidates = [fig._suptitle] if fig._suptitle else []
    for ax in fig.axes:
        candidates += [ax.title, ax.xaxis.label, ax.yaxis.label]
        if ax.get_legend():
            candidates += ax.get_legend().get_texts()
    for legend in fig.legends:
        candidates += legend.get_texts()
    clipped = []
    for t in candidates:
        if not (t.get_visible() and t.get_text().strip()):
            continue
        e = t.get_window_extent(renderer)
        if e.x0 < box.x0 - 1 or e.y0 < box.y0 - 1 or e.x1 > box.x1 + 1 or e.y1 > box.y1 + 1:
            clipped.append(t.get_text())
    return clipped


def legend_texts(fig) -> str:
    """Every legend entry of ``fig`` (figure and axes legends), one per line."""
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return "\n".join(t.get_text() for legend in legends for t in legend.get_texts())


def heatmap_axes(fig) -> list:
    return [ax for ax in fig.axes if any(isinstance(a, AxesImage) for a in ax.get_images())]


def tones(artist) -> list[float]:
    """Luminances an overlay is drawn in: its line, marker face and edge, outline strokes."""
    colours = []
    if isinstance(artist, Line2D):
        if artist.get_linestyle() not in ("None", "", " "):
            colours.append(artist.get_color())
        if artist.get_marker() not in (None, "None", "", " "):
            colours += [artist.get_markerfacecolor(), artist.get_markeredgecolor()]
    elif isinstance(artist, Collection):
        colours += list(artist.get_facecolor()) + list(artist.get_edgecolor())
    for effect in artist.get_path_effects() or []:
        if "foreground" in getattr(effect, "_gc", {}):
            colours.append(effect._gc["foreground"])
    visible = [c for c in colours if not (isinstance(c, str) and c == "none")]
    return [luminance(c) for c in visible if to_rgba(c)[3] > 0]


def grey_unsafe_overlays(fig) -> list[str]:
    """Overlays on heatmaps drawn in one tone only: lost on cells of their own luminance."""
    bad = []
    for ax in heatmap_axes(fig):
        for artist in [*ax.lines, *ax.collections]:
            shades = tones(artist)
            if not shades or max(shades) - min(shades) < 0.5:
                bad.append(f"{type(artist).__name__} in '{ax.get_title()}'")
    return bad


def luminance_is_monotone(cmap) -> bool:
    values = np.array([luminance(cmap(x)) for x in np.linspace(0, 1, 64)])
    steps = np.diff(values)
    return bool(np.all(steps >= -1e-3) or np.all(steps <= 1e-3))


def drawn(fig):
    """``fig`` after a full draw: layout done, lazy ticks made."""
    fig.canvas.draw()
    return fig


def assert_printable(fig, width: float = PRINT_WIDTH) -> None:
    """At most ``width`` inches wide, no text below 8 pt as printed, none cut off at the
    figure's edge, and a legend. ``fig`` must be drawn (:func:`drawn`)."""
    assert fig.get_figwidth() <= width + 1e-9, f"{fig.get_figwidth()} in wide"
    assert not too_small(fig), too_small(fig)
    assert not outside(fig), outside(fig)
    assert legend_texts(fig), "no legend"


# ----- sweeps to draw ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The ``tiny`` preset, trained (two seeds: intervals exist): about a second."""
    config = preset("tiny", seeds=(0, 1))
    return sweep_store.load_or_run(
        config, tmp_path_factory.mktemp("tiny"), log=lambda *args, **kwargs: None
    )


LRS = tuple(np.geomspace(1e-4, 1e-1, 7))
FRACTIONS = tuple(np.geomspace(1e-6, 0.3, 12))


@pytest.fixture(scope="module")
def marked():
    """Three variants, two seeds, on surfaces that show every mark: a region above 90%, a
    ridge of loss optima moving with the learning rate, cells where one seed diverged."""
    config = dataclasses.replace(
        preset("tiny"),
        variants=("adam-l2", "adamw-torch", "adamw-paper"),
        seeds=(0, 1),
        lrs=LRS,
        decay_fractions=FRACTIONS,
    )
    log_lr, column = np.meshgrid(np.log10(LRS), np.arange(len(FRACTIONS)), indexing="ij")
    centre = 3 + 0.8 * (log_lr + 4)  # the loss optimum's column moves with the lr
    distance = (column - centre) ** 2 / 4
    rng = np.random.default_rng(0)
    shape = (3, 2, len(LRS), len(FRACTIONS))
    loss = 0.2 * np.exp(0.3 * distance) * np.exp(rng.normal(0, 0.05, shape))
    acc = np.clip(0.97 - 0.04 * distance, 0.5, 1) + rng.normal(0, 0.01, shape)
    diverged = np.full(shape, -1)
    diverged[:, 1, -1, :2] = 7  # one seed blew up at the largest lr, smallest decay
    acc = np.where(diverged >= 0, np.nan, acc)
    loss = np.where(diverged >= 0, np.nan, loss)
    arrays = {"val_acc": acc, "val_loss": loss, "train_acc": acc, "train_loss": loss,
              "diverged_step": diverged}  # fmt: skip
    return sweep_store.SweepResult(config, arrays, None, 0.0, True)


@pytest.fixture(scope="module")
def tiny_heatmaps(tiny):
    fig = drawn(plots.plot_heatmaps(tiny))
    yield fig
    plt.close(fig)


@pytest.fixture(scope="module")
def marked_heatmaps(marked):
    fig = drawn(plots.plot_heatmaps(marked, threshold=0.9))
    yield fig
    plt.close(fig)


# ----- heatmaps ---------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["tiny_heatmaps", "marked_heatmaps"])
def test_heatmaps_print_at_text_width_with_8pt_text_and_wide_panels(which, request):
    fig = request.getfixturevalue(which)
    assert_printable(fig)
    panels = heatmap_axes(fig)
    assert len(panels) == 6
    for ax in panels:
        assert ax.get_position().width * fig.get_figwidth() >= MIN_PANEL_INCHES


def test_each_heatmap_names_its_wd_quantity_and_the_learning_rate(tiny, tiny_heatmaps):
    fig = tiny_heatmaps
    panels = heatmap_axes(fig)
    # one row per variant, accuracy then loss
    for i, variant in enumerate(tiny.config.variants):
        must, must_not = QUANTITY[variant]
        for ax in panels[2 * i : 2 * i + 2]:
            label = ax.get_xlabel()
            assert all(s in label for s in must), (variant, label)
            assert not any(s in label for s in must_not), (variant, label)
        assert panels[2 * i].get_title() == VARIANTS[variant].label
    assert panels[0].get_ylabel() == r"learning rate $\alpha$ (PyTorch lr)"


def test_heatmap_legend_explains_every_mark(marked_heatmaps):
    text = legend_texts(marked_heatmaps)
    for needle in (
        "highest mean accuracy",  # the star on the accuracy panels
        "lowest mean loss",  # ... and on the loss panels
        "diverged",
        "90%",  # the threshold contour
        "matched",  # the dotted lr wd = d_min edge
        "best wd per learning rate",
        "95% bootstrap interval",
        "fitted ridge",
    ):
        assert needle in text, (needle, text)


def test_heatmap_colour_maps_and_overlays_survive_grey_scale(marked_heatmaps):
    fig = marked_heatmaps
    images = [im for ax in heatmap_axes(fig) for im in ax.get_images()]
    for image in images:
        assert image.get_cmap().name in ALLOWED_CMAPS
        assert luminance_is_monotone(image.get_cmap())
    assert not grey_unsafe_overlays(fig), grey_unsafe_overlays(fig)


def test_the_grey_scale_checks_catch_a_rainbow_map_and_a_one_tone_overlay(marked, monkeypatch):
    """The checks above can fail: jet is not monotone, a plain cyan ridge is one tone."""
    assert not luminance_is_monotone(plt.get_cmap("jet"))
    monkeypatch.setattr(plots, "ACCURACY_CMAP", "jet")
    fig = plots.plot_heatmaps(marked)
    names = {im.get_cmap().name for ax in heatmap_axes(fig) for im in ax.get_images()}
    assert names - ALLOWED_CMAPS
    heatmap_axes(fig)[1].plot([0, 3], [0, 3], c="cyan")
    assert grey_unsafe_overlays(fig)
    plt.close(fig)


def test_normalized_heatmaps_say_normalized_on_every_wd_axis(marked):
    config = dataclasses.replace(marked.config, normalized_decay=True)
    result = dataclasses.replace(marked, config=config)
    fig = drawn(plots.plot_heatmaps(result))
    for ax in heatmap_axes(fig):
        assert ax.get_xlabel().startswith("normalized ") and "_{norm}" in ax.get_xlabel()
    assert_printable(fig)
    plt.close(fig)


def test_torch_variant_sweeps_pytorch_weight_decay_not_the_papers_lambda():
    torch = VARIANTS["adamw-torch"]
    assert torch.convention is DecayConvention.TORCH
    assert torch.hyperparameter == "w" and "\\alpha w" in torch.label
    assert VARIANTS["adamw-paper"].hyperparameter == "\\lambda"
    assert VARIANTS["adam-l2"].hyperparameter == "\\lambda'"


# ----- ridge, data, schedules, budget -----------------------------------------------------------


def test_ridge_figure_prints_and_names_each_quantity(marked):
    result = marked
    fig = drawn(plot_ridge(result))
    assert_printable(fig)
    panels = [ax for ax in fig.axes if ax.axison]
    for ax, variant in zip(panels, result.config.variants, strict=True):
        must, _ = QUANTITY[variant]
        assert all(s in ax.get_ylabel() for s in must), ax.get_ylabel()
        assert ax.get_position().width * fig.get_figwidth() >= MIN_PANEL_INCHES
    text = legend_texts(fig)
    assert "95% bootstrap interval" in text and "predicts" in text
    plt.close(fig)


def _spiral_classes(ax) -> dict:
    """``{(class, "train" | "valid"): collection}`` of the data figure's scatter."""
    found = {}
    for collection in ax.collections:
        label = collection.get_label()
        for cls in (0, 1):
            for split in ("train", "valid"):
                if f"class {cls}" in label and split in label:
                    found[cls, split] = collection
    return found


def test_spiral_classes_differ_in_colour_and_marker_and_splits_in_fill(tiny):
    fig = drawn(plots.plot_dataset(tiny.config))
    assert_printable(fig, width=3.4)
    found = _spiral_classes(fig.axes[0])
    assert len(found) == 4
    for split in ("train", "valid"):
        a, b = found[0, split], found[1, split]
        assert not np.array_equal(a.get_paths()[0].vertices, b.get_paths()[0].vertices)
        colour = {c: (found[c, split].get_facecolor(), found[c, split].get_edgecolor())
                  for c in (0, 1)}  # fmt: skip
        shade = [max(luminance(x) for x in (*f, *e) if to_rgba(x)[3] > 0)
                 for f, e in colour.values()]  # fmt: skip
        assert abs(shade[0] - shade[1]) >= 0.1  # apart in grey scale as well as in hue
    for cls in (0, 1):
        assert found[cls, "train"].get_facecolor()[0][3] > 0  # filled
        assert found[cls, "valid"].get_facecolor().size == 0 or (
            found[cls, "valid"].get_facecolor()[0][3] == 0  # hollow
        )
    legend = fig.legends[0] if fig.legends else fig.axes[0].get_legend()
    for handle in legend.legend_handles:
        assert np.sqrt(handle.get_sizes()).min() >= 4  # marker diameter, points
    plt.close(fig)


def test_digits_figure_prints_at_data_width():
    fig = drawn(plots.plot_dataset(preset("digits")))
    assert fig.get_figwidth() <= 3.4 and not too_small(fig) and not outside(fig)
    plt.close(fig)


def test_schedule_figure_lines_differ_in_colour_and_style():
    configs = {
        name: dataclasses.replace(preset("tiny"), schedule=name, steps=70)
        for name in ("constant", "cosine", "warm-restarts")
    }
    fig = drawn(schedule_plots.plot_schedules(configs))
    assert_printable(fig)
    lines = [line for line in fig.axes[0].lines if not line.get_label().startswith("_")]
    assert len(lines) == 3
    assert len({line.get_color() for line in lines}) == 3
    assert len({str(line.get_linestyle()) for line in lines}) == 3
    assert "warm restart" in legend_texts(fig)
    plt.close(fig)


def test_budget_figure_prints_with_a_legend():
    from wdproof.numerics.sweep import budget_study
    from wdproof.numerics.sweep.studies import BUDGET_STEPS, STUDIES

    base = dataclasses.replace(STUDIES["budget"].base, seeds=(0, 1, 2), schedule="constant")
    rng = np.random.default_rng(0)
    results = {}
    for label, config in STUDIES["budget"].runs(base).items():
        kind, steps = label.split("-T")[0], int(label.split("-T")[1])
        x = np.log10(config.wd_grid("adamw-paper"))
        optimum = -1.0 if kind == "normalized" else -1.0 - 0.5 * np.log10(steps)
        loss = 0.4 * 10 ** (0.1 * (x - optimum) ** 2)
        jitter = 10 ** (0.003 * rng.standard_normal((1, 3, 1, len(x))))
        per_seed = loss[None, None, None, :] * jitter
        arrays = {"val_loss": per_seed, "val_acc": 1 - per_seed / 2, "train_loss": per_seed,
                  "train_acc": 1 - per_seed / 2,
                  "diverged_step": np.full(per_seed.shape, -1)}  # fmt: skip
        results[label] = sweep_store.SweepResult(config, arrays, Path("."), 0.0, True)
    summary = budget_study.claims(results)
    configs = {label: r.config for label, r in results.items()}
    fig = drawn(schedule_plots.plot_budget(summary, configs))
    assert_printable(fig)
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert any("normalized" in label and "_{norm}" in label for label in labels)
    assert "prediction" in legend_texts(fig)
    assert len(BUDGET_STEPS) == len(summary["variants"]["adamw-paper"]["budgets"])
    plt.close(fig)
