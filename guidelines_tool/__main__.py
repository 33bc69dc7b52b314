from __future__ import annotations

from guidelines_tool.cli import main

if __name__ == "__main__":
    main()
