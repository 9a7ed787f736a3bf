"""Renderers: views of a :class:`~driftcli.result.Result`. None of them computes statistics."""
