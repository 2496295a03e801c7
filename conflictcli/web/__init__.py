"""The reading room (`conflict serve`, the `web` extra): the archive in a browser on
this machine.

- app.py      the Starlette app: its routes, and the guard every request passes (the
              token, the host, the same origin for a change, the security headers)
- asked.py    what a page's address asks for, read and bounded (the query, the filters,
              the page), as the command line's options give it
- views.py    the pages (search with its facets, article, timeline, map, watches) and
              the JSON and exports behind them: the CLI's own records and schemas
- marks.py    text with the query's words marked, escaped piece by piece

Every page is a Jinja2 template with escaping on; no page holds inline script (the
Content-Security-Policy forbids it); scripts, styles, Vega and the world outline are
served from the package, and nothing is asked of another host.
"""
