"""Builds the optional compiled fast path of ``custody verify`` (app/ledger/_accel.c).

Everything else is in pyproject.toml. Without a C compiler or OpenSSL's headers the build
skips it and ``custody verify`` runs its pure-Python path (same checks, slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "app.ledger._accel",
            ["app/ledger/_accel.c"],
            libraries=["crypto"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
            optional=True,
        )
    ]
)
