"""State changes of the residents app, one module per concern (each function owns its transaction):

- ``intake``      applications, materials, review workflow, bans check (第三章第一条、第二条), gathered from
                  ``signup``, ``applications`` (the draft and materials), ``submission``, ``reviews`` and
                  ``intake_base`` (shared pieces); ``paper`` enters an application received on paper
- ``agreements``  agreements, acceptance, check-in, orientation (第三章第二条、第三条)
- ``ledger``      invoices, payments, deposits (fees and 保证金)
- ``lifecycle``   renewal, expiry and grace, exits, bans, archive retention (第三章第三条至第五条), gathered
                  from ``renewals``, ``exits``, ``clearance`` (the checklist and exit handlers) and
                  ``residency`` (state machines and shared helpers)
- ``complaints``  complaints and requests with their SLAs (第四章第四条); ``complaint_deadlines`` their jobs
"""
