"""State changes of the residents app, one module per topic (each function owns its transaction):

- ``intake``      applications, materials, review workflow, bans check (第三章第一条、第二条)
- ``agreements``  agreements, acceptance, check-in, orientation (第三章第二条、第三条)
- ``ledger``      invoices, payments, deposits (fees and 保证金)
- ``lifecycle``   renewal, expiry and grace, exits, bans, archive retention (第三章第三条至第五条)
- ``complaints``  complaints and requests with their SLAs (第四章第四条)
"""
