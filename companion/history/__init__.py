"""History: plays and playback states (the tables the live writer fills) and the reads over them
(current states, listening history, top lists).

May import the core, `accounts` and `library`.
"""
