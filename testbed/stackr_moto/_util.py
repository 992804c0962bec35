"""Helpers shared by the service modules."""


def add_method(cls, name):
    """Decorator: sets ``cls.name`` to the function, refusing to shadow one moto has."""

    def wrap(fn):
        if name in cls.__dict__:
            raise RuntimeError(f"stackr_moto: {cls.__name__}.{name} exists in this moto; drop the patch")
        setattr(cls, name, fn)
        return fn

    return wrap


def wrap_method(cls, name):
    """Decorator: replaces ``cls.name``, which must exist, passing the one
    installed now (moto's, or an earlier patch's) first, so patches compose."""

    def wrap(fn):
        original = cls.__dict__.get(name)
        if original is None:
            raise RuntimeError(f"stackr_moto: {cls.__name__}.{name} is gone from this moto; revisit the patch")

        def patched(self, *args, **kwargs):
            return fn(original, self, *args, **kwargs)

        patched.__name__ = name
        setattr(cls, name, patched)
        return fn

    return wrap
