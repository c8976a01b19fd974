"""How the long-running processes are started (`chronicle run …`) and supervised
(`chronicle up`).
"""
