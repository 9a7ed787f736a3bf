"""Checks beyond one column at a time: the joint distribution (:mod:`.multivariate`), segments
(:mod:`.segments`), missing values as drift (:mod:`.missing`) and data quality
(:mod:`.quality`). Each reads profiles (or their row samples) and returns a plain section of
the :class:`~driftcli.result.Result`; renderers only display those sections."""
