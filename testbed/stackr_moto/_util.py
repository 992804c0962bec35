"""Helpers shared by the service modules."""


def add_method(cls, name):
    """Decorator: sets ``cls.name`` to the function, refusing to shadow one moto has."""

    def wrap(fn):
        if name in cls.__dict__:
            raise RuntimeError(f"stackr_moto: {cls.__name__}.{name} exists in this moto; drop the patch")
        setattr(cls, name, fn)
        return fn

    return wrap
