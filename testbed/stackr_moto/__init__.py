"""The local AWS for stackr's tests and demo: moto's server, made closer to AWS.

moto 5.2 leaves out some operations and behaviours that stackr's reconcilers
rely on in real AWS (see ARCHITECTURE.md, "The local AWS"). Each module of
this package fills in one service's gaps the way the AWS documentation
describes them, and exposes ``apply()``, which patches moto in-process
before the server starts. Nothing here changes what moto already does
right; every addition is listed in the module's docstring.

Run the server with ``python -m stackr_moto -H 127.0.0.1 -p PORT`` (with
this folder on PYTHONPATH); it takes moto's own server arguments.
"""

import importlib
import pkgutil


def apply():
    """Applies every service module's patches, in name order."""
    applied = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "realistic":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.apply()
        applied.append(info.name)
    from . import realistic

    applied += [f"realistic.{name}" for name in realistic.apply()]
    return applied
