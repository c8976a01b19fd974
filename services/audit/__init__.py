"""What an auditor asks of the log: verify, proofs, tree heads and witnesses, export and
import, time travel, erasure.
"""
