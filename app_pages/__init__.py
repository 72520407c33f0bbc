"""One package per page of the app; each holds its page script (page.py) and everything only that page uses.

The folder is not called `pages/`: a folder of that name beside app.py puts a fresh Streamlit server in its legacy
pages-folder mode, in which a deep link opened before anyone visits the home page runs without app.py.
"""
