"""State changes of the scoring app: ``run`` (the set-based quarter run), ``inputs`` (quarters, quarterly
inputs and their verification, the Excel import), ``signoff`` (confirmation, the board, the hook for
upheld appeals, effects after the window), ``appeals`` (score appeals)."""
