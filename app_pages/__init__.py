"""One package per page of the app; each holds its page script (page.py) and everything only that page uses.

The folder is not called `pages/`: a folder of that name beside app.py puts a fresh Streamlit server in its legacy
pages-folder mode, in which a deep link opened before anyone visits the home page runs without app.py.
"""
import importlib
import importlib.util


def warm_ups(keys) -> dict:
    """{page key: a function calling its warm()} of the pages whose package has a module `warm`: what a server fills
    before its first visitor, beyond the caches every page shares (ui/warm_start.py). Nothing is imported yet."""
    return {key: lambda module=f"app_pages.{key}.warm": importlib.import_module(module).warm() for key in keys
            if importlib.util.find_spec(f"app_pages.{key}.warm") is not None}
