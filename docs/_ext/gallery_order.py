"""The order of the gallery's examples: from a first model to deployment.

sphinx-gallery takes the sort key by its qualified name
(``within_subsection_order="gallery_order.ExampleOrder"``); conf.py puts this
folder on ``sys.path``.
"""

from pathlib import Path

from sphinx_gallery.sorting import FileNameSortKey

ORDER = [
    "plot_quick_start.py",
    "plot_grid_search.py",
    "plot_mnist_files.py",
    "plot_inside_the_network.py",
    "plot_draw_your_own_digit.py",
    "plot_augmentation.py",
    "plot_onnx_deployment.py",
    "recipe_fashion_mnist.py",
]


class ExampleOrder(FileNameSortKey):
    """Examples listed in ORDER come first, in its order; any other after
    them, by file name."""

    def __call__(self, filename):
        name = Path(filename).name
        position = ORDER.index(name) if name in ORDER else len(ORDER)
        return (position, name)
