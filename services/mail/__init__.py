"""Chronicle's own mail services: the sender (queued emails out, once) and the mailbox
poller (new messages in), and how both report to Chronicle over the bus.
"""
