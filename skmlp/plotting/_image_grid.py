"""Images drawn in a grid, as one mosaic, with optional captions underneath;
and the base of the displays whose images carry captions."""

import math

import numpy as np

from ._utils import _axes_and_figure

_POINTS_PER_INCH = 72.0


def _tile_layout(images, n_cols, label_lines, label_chars, fontsize, tile_inches):
    """Sizes in pixels and inches of a grid of images with captions underneath.

    The grid is one image (see :func:`_mosaic`) drawn in data coordinates where
    one unit is one pixel of the small images. The captions go in the gaps
    between the rows, so the gaps are sized, in pixels, from the height of the
    captions in inches and the number of pixels per inch the figure gets.
    """
    n_images, rows, columns = images.shape
    n_cols = max(1, min(n_cols or min(n_images, 10), n_images))
    n_rows = math.ceil(n_images / n_cols)
    line_inches = 1.25 * fontsize / _POINTS_PER_INCH
    # Captions must fit under their tile: widen the tiles for long captions.
    char_inches = 0.62 * fontsize / _POINTS_PER_INCH
    tile_width = max(tile_inches, label_chars * char_inches)
    pixels_per_inch = columns / tile_width
    gap_x = max(1, math.ceil(0.12 * pixels_per_inch))
    gap_y = max(1, math.ceil((label_lines * line_inches + 0.06) * pixels_per_inch))
    if not label_lines:
        gap_y = gap_x
    return {
        "n_rows": n_rows,
        "n_cols": n_cols,
        "gap_x": gap_x,
        "gap_y": gap_y,
        "line_pixels": line_inches * pixels_per_inch,
        "width_inches": (n_cols * (columns + gap_x) - gap_x) / pixels_per_inch,
        "height_inches": n_rows * (rows + gap_y) / pixels_per_inch,
    }


def _mosaic(images, n_rows, n_cols, gap_x, gap_y, trailing_gap, empty):
    """The images in a grid, row by row, as one array.

    The lines between the images are NaN; the cells after the last image hold
    ``empty``, a value above the pixels', so that colormaps can tell them apart.
    """
    n_images, rows, columns = images.shape
    height = n_rows * (rows + gap_y) - (0 if trailing_gap else gap_y)
    width = n_cols * (columns + gap_x) - gap_x
    mosaic = np.full((height, width), float(empty))
    for index, image in enumerate(images):
        top = (index // n_cols) * (rows + gap_y)
        left = (index % n_cols) * (columns + gap_x)
        # The image and the lines to its right and below it.
        mosaic[top : top + rows + gap_y, left : left + columns + gap_x] = np.nan
        mosaic[top : top + rows, left : left + columns] = image
    return mosaic


def _plot_tiles(
    ax, images, captions, layout, *, cmap, vmin, vmax, gap_color, fontsize, imshow_kw
):
    """Draw ``images`` as a grid on ``ax``, with ``captions`` under each one.

    ``captions`` holds, for each image, a list of (text, color) lines.
    Returns the AxesImage and the array of Text objects (one row per image).
    """
    n_images, rows, columns = images.shape
    has_captions = bool(captions) and any(captions)
    mosaic = _mosaic(
        images,
        layout["n_rows"],
        layout["n_cols"],
        layout["gap_x"],
        layout["gap_y"],
        trailing_gap=has_captions,
        empty=vmax + abs(vmax - vmin) + 1.0,
    )
    import matplotlib

    # The gaps are NaN, "bad" values drawn in gap_color; the empty cells at the
    # end are above vmax, drawn in the "over" colour: nothing.
    colormap = matplotlib.colormaps.get_cmap(cmap).with_extremes(
        bad=gap_color, over=(0, 0, 0, 0)
    )
    kwargs = {"cmap": colormap, "vmin": vmin, "vmax": vmax, "interpolation": "nearest"}
    kwargs.update(imshow_kw or {})
    image = ax.imshow(mosaic, **kwargs)
    ax.set_axis_off()
    texts = np.empty((n_images, max((len(c) for c in captions), default=0)), object)
    for index, lines in enumerate(captions):
        x = (index % layout["n_cols"]) * (columns + layout["gap_x"]) + columns / 2
        y = (index // layout["n_cols"]) * (rows + layout["gap_y"]) + rows
        for line, (text, color) in enumerate(lines):
            # Pixel centres are at integers: the bottom edge of a tile is at
            # y - 0.5. Lines sit on baselines (capitals are ~0.6 of a line
            # high) so that captions with and without descenders align.
            texts[index, line] = ax.text(
                x - 0.5,
                y - 0.5 + (line + 0.7) * layout["line_pixels"],
                text,
                ha="center",
                va="baseline",
                color=color,
                fontsize=fontsize,
            )
    return image, texts


def _figsize(layout, title, colorbar_inches=0.0):
    """Figure size in inches for a tile layout, with room for a title."""
    width = layout["width_inches"] + 0.2 + colorbar_inches
    height = layout["height_inches"] + (0.45 if title else 0.15)
    return max(width, 2.5), max(height, 1.2)


class _CaptionedImageGridDisplay:
    """Base of the displays that draw images in a grid, each with a caption
    of one or more lines underneath.

    A subclass stores ``display_labels`` (None, a list indexed by the label
    or a dict keyed by it); its ``plot`` checks its images, turns its labels
    into captions with :meth:`_label_texts` and draws them with
    :meth:`_plot_captioned`, which sets ``ax_``, ``figure_``, ``image_`` and
    ``texts_``.
    """

    def _label_texts(self, labels):
        """Labels as strings, through the ``display_labels`` mapping when given."""
        if self.display_labels is None:
            return [str(label) for label in labels]
        if isinstance(self.display_labels, dict):
            return [str(self.display_labels.get(label, label)) for label in labels]
        names = list(self.display_labels)
        return [str(names[int(label)]) for label in labels]

    def _plot_captioned(
        self, ax, images, captions, *, n_cols, cmap, title, fontsize, imshow_kw
    ):
        """Draw ``images`` with their ``captions`` on ``ax``, or on a new
        figure sized to the grid, and return this display.

        ``captions`` holds, for each image, a list of (text, color) lines; it
        is empty for images without captions.
        """
        n_lines = max((len(lines) for lines in captions), default=0)
        longest = max((len(text) for lines in captions for text, _ in lines), default=0)
        layout = _tile_layout(images, n_cols, n_lines, longest, fontsize, 0.6)
        figsize = _figsize(layout, title)
        ax, figure = _axes_and_figure(ax, figsize, f"{type(self).__name__}.plot")
        self.image_, self.texts_ = _plot_tiles(
            ax,
            images,
            captions,
            layout,
            cmap=cmap,
            vmin=min(images.min(), 0.0),
            vmax=images.max() if images.max() > 0 else 1.0,
            gap_color="white",
            fontsize=fontsize,
            imshow_kw=imshow_kw,
        )
        if title:
            ax.set_title(title)
        self.ax_, self.figure_ = ax, figure
        return self
