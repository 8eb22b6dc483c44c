"""Loaded by pytest before Django's settings (`-p onedoor.testing.pytest_env` in pyproject):
tests run with a throwaway secret key and never need one from the environment."""

import os

os.environ.setdefault("ONEDOOR_TESTING", "1")
