"""The build compiles the message catalogs (``src/gandojo/locale/*/LC_MESSAGES/gandojo.po``) to ``.mo`` with Babel;
everything else about the package is in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    """build_py, then each ``.po`` compiled beside its copy in the build (in the source tree for an editable
    install, which imports from there)."""

    def run(self):
        super().run()
        from babel.messages import mofile, pofile

        source = Path(__file__).resolve().parent / "src"
        target = source if getattr(self, "editable_mode", False) else Path(self.build_lib)
        for po in (source / "gandojo" / "locale").glob("*/LC_MESSAGES/*.po"):
            mo = target / po.relative_to(source).with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as file:
                catalog = pofile.read_po(file)
            with mo.open("wb") as file:
                mofile.write_mo(file, catalog, use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithCatalogs})
