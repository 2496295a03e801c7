"""What the Whoosh engine is called, where its index lives, and how it is built."""

NAME = "whoosh"
FOLDER = "whoosh"  # in the archive's folder
# How the index is built. An archive whose index was built another way is rebuilt from
# the catalogue by the next ingest, and refused by search until then. README's code map
# lists what each layout changed.
LAYOUT = 13
