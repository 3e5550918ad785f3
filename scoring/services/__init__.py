"""State changes of the scoring app: ``run`` (the set-based quarter run), ``inputs`` (quarterly
inputs and their verification), ``publication`` (sign-off, board, appeals, effects)."""
