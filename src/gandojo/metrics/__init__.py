"""Metrics: mode collapse on data with known modes (:mod:`.modes`), classifier-based scores for images
(:mod:`.images`, :mod:`.classifier`, :mod:`.frechet`, :mod:`.prdc`), which scores apply to which data
(:mod:`.scoring`) and how results are told (:mod:`.report`). The package itself imports nothing, so a caller
takes only the module it needs."""
