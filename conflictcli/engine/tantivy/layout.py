"""What the tantivy engine is called, where its index lives, and how it is built."""

NAME = "tantivy"
FOLDER = "tantivy"  # in the archive's folder
# How the index is built: an archive whose tantivy index was built another way is
# rebuilt from the catalogue by the next ingest (as the Whoosh engine's LAYOUT)
LAYOUT = 1
