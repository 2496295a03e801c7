"""The fast path: what makes Whoosh write and search at speed, using parts of Whoosh that
are not its public interface (upstream.py gathers them). It can be switched off
(CONFLICT_WHOOSH_FAST=0), and is off on a Whoosh release it was not tested with; then
Whoosh's own writer and searcher do the same work more slowly."""
