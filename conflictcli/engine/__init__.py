"""Where the archive meets a search engine: the protocol every engine implements
(engine/base.py), the records it gives back (engine/records.py), and the engines."""
