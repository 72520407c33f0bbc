"""The teacher key of a server: it unlocks the class board's controls (ui/board.py). Set VAE_TEACHER_KEY to choose
it (every replica of a hall must share one; deploy/serve.py makes one for its replicas); otherwise the server makes
one when it starts and prints it, for the teacher alone to read on their own terminal."""
import os
import secrets


def teacher_key_at_start() -> str:
    """The key in the environment, or a new one put there (so this process's sessions find it) and printed."""
    key = os.environ.get("VAE_TEACHER_KEY")
    if not key:
        key = os.environ["VAE_TEACHER_KEY"] = secrets.token_urlsafe(9)
        print(f"  Teacher key for the Class board: {key}  (set VAE_TEACHER_KEY to choose your own)", flush=True)
    return key
