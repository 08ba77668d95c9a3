"""Build hook: ship the top-level mappings/ and metadata/ folders inside the package.

Everything else about the package is in setup.cfg.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("mappings", "metadata")


class BuildWithBundled(build_py):
    """Copies the bundled folders to ``sf_social/_bundled/`` in the build tree."""

    def run(self) -> None:
        super().run()
        root = Path(__file__).resolve().parent
        for name in BUNDLED:
            if (root / name).is_dir():
                target = Path(self.build_lib) / "sf_social" / "_bundled" / name
                self.copy_tree(str(root / name), str(target))


setup(cmdclass={"build_py": BuildWithBundled})
