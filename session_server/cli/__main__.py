"""`python -m session_server.cli`: the `congress` command, as the tests start the hub."""

from __future__ import annotations

from . import main

raise SystemExit(main())
