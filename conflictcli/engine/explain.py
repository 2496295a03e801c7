"""A query tree as --explain shows it: a plain tree of what a match needs, each word
looked for in several fields shown once with its fields."""

from __future__ import annotations

from conflictcli.engine.records import Node
from conflictcli.query import tree as t


def explained(q: t.Part, role: str = "required") -> Node:
    """The --explain tree of `q`; `role` says what a match needs of it."""
    if isinstance(q, t.Not):
        return Node("not", role="excluded", children=[explained(q.part, "excluded")])
    if isinstance(q, t.Spellings):
        kids = _merge_fields([explained(c, "optional") for c in q.parts])
        return Node("name", q.name, role=role, children=kids)
    if isinstance(q, (t.All, t.Any)):
        inner = "optional" if isinstance(q, t.Any) and role == "required" else role
        kids = _merge_fields([explained(c, inner) for c in q.parts])
        if len(kids) == 1:  # one word looked for in several fields
            kids[0].role = role
            return kids[0]
        return Node("all" if isinstance(q, t.All) else "any", role=role, children=kids)
    if isinstance(q, t.Dates):
        return Node(
            "dates",
            fields=[q.field],
            role=role,
            first=q.first.isoformat() if q.first else None,
            last=q.last.isoformat() if q.last else None,
        )
    return _leaf(q, role)


def _leaf(q: t.Leaf, role: str) -> Node:
    fields = [q.field or ""]
    if isinstance(q, t.Phrase):
        return Node("phrase", " ".join(q.words), fields, role)
    if isinstance(q, t.Pattern):
        return Node("pattern", q.text, fields, role)
    if isinstance(q, t.Fuzzy):
        return Node("fuzzy", f"{q.text}~{q.maxdist}", fields, role)
    if isinstance(q, t.Term):
        return Node("term", q.text, fields, role)
    if isinstance(q, t.Every):
        return Node("every", "every article", [], role)
    assert isinstance(q, t.Range)
    opening, closing = "{" if q.start_excluded else "[", "}" if q.end_excluded else "]"
    shown = f"{q.field}:{opening}{q.start or ''} TO {q.end or ''}{closing}"
    return Node("termrange", shown, fields, role)


def _merge_fields(nodes: list[Node]) -> list[Node]:
    """title:x OR body:x is the word x looked for in the title and the body: one node."""
    out: list[Node] = []
    for n in nodes:
        if n.op == "name":  # one name's spellings in the title and in the body: one node
            name = next((o for o in out if (o.op, o.text) == ("name", n.text)), None)
            if name is not None:
                name.children = _merge_fields([*name.children, *n.children])
                continue
        same = next((o for o in out if not o.children and (o.op, o.text) == (n.op, n.text)), None)
        if same is not None and not n.children and n.op != "dates":
            same.fields += [f for f in n.fields if f not in same.fields]
        else:
            out.append(n)
    return out


def with_filters(tree: Node, parts: list[Node]) -> Node:
    """The tree with the filters (dates, sources, places) as further required parts."""
    for part in parts:
        tree = Node("all", children=[*tree.children, part] if tree.op == "all" else [tree, part])
    return tree
