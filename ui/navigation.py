"""The app's pages, in the order the sidebar lists them. app.py builds the navigation from this table, and a page
links to another by its key, so that page packages never import each other."""

# key (the page's package under app_pages/ and its URL path) -> (title, icon); the first is the home page at "/"
PAGES = {
    "start_here": ("Start here", ":material/school:"),
    "latent_map": ("Latent map", ":material/scatter_plot:"),
    "explorer": ("Latent explorer", ":material/touch_app:"),
    "class_style": ("Class and style", ":material/category:"),
    "train": ("Train", ":material/model_training:"),
    "elbo_lab": ("ELBO lab", ":material/functions:"),
    "mse_vs_bce": ("MSE vs BCE", ":material/blur_on:"),
    "latent_size": ("Latent size", ":material/stacked_line_chart:"),
    "class_board": ("Class board", ":material/groups:"),
}
HOME = next(iter(PAGES))


def script(key: str) -> str:
    """The page script of page `key`, relative to app.py, as st.Page and st.page_link take it."""
    if key not in PAGES:
        raise KeyError(f"no page {key!r}; the pages are {', '.join(PAGES)}")
    return f"app_pages/{key}/page.py"
