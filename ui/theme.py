"""What the theme in .streamlit/config.toml cannot say: CSS for the few places where Streamlit derives a colour
that falls short of WCAG AA contrast (4.5:1) in one of the app's two themes. app.py adds it to every page;
tests/test_accessibility_browser.py checks every page in both themes with axe-core."""
import streamlit as st

# light-dark() picks by the colour scheme Streamlit sets on .stApp, so one rule serves both themes.
# - A primary button's label is white; on the dark theme's light blue primary it would be 2.1:1, so there it is
#   near black (8:1); a disabled one keeps Streamlit's greyed label (white there would vanish on its pale grey). The
#   key hint inside (the lesson's Next: PageDown) is the label faded to 60%, 3.3-3.9:1:
#   it is not faded.
# - A disabled widget's label is faded to 2.3-3.6:1: the control is greyed out, and its label stays readable.
# - A display formula wider than a phone would scroll sideways inside a box the keyboard cannot reach (axe's
#   scrollable-region-focusable); it wraps at its relations and operators instead, as inline formulas do. A line
#   of source wider than its column wraps too, for the same reason.
# - --vae-theme says the rules are in effect: the frontend loads st.html's code when the page first needs it, so on a
#   busy machine the page can stand drawn without them for a second (tests/test_accessibility_browser.py waits).
THEME_CSS = """
<style>
.stApp {--vae-theme: 1;}
.stApp [data-testid="stBaseButton-primary"]:not(:disabled) {color: light-dark(#ffffff, #0b0d10);}
.stApp [data-testid="stBaseButton-primary"] kbd {color: inherit; opacity: 1;}
.stApp label[data-testid="stWidgetLabel"][disabled] {color: inherit;}
.stApp .katex-display > .katex {white-space: normal;}
.stApp .katex-display .base {margin: 2px 0;}
.stApp [data-testid="stCode"] pre code {white-space: pre-wrap !important; overflow-wrap: anywhere;}  /* over its inline style */
</style>
"""


def theme_css():
    st.html(THEME_CSS)
