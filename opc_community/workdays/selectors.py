def calendar_warnings():
    return []
