"""State changes of the discipline app, one module per topic: ``cases`` (处罚流程, effects), ``appeals``,
``ladders`` (automatic overdue-fee and overdue-exit cases), ``rewards``, ``ledger`` (the decision chain)."""
