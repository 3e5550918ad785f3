"""State changes of the resources app, one module per topic (each function owns its transaction):

- ``activities``  activities, registration, check-in and attendance (第五章第三条)
- ``vouchers``    compute and model vouchers: programmes, applications, the ledger (第四章第二条)
"""
