"""Export fitted cells and networks as runnable scripts or files for other
simulators (:mod:`.nest`: PyNEST; :mod:`.brian2`: Brian2; :mod:`.neuroml`: NeuroML)."""
