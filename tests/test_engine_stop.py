"""The image engine stops within a bound even when its browser hangs (exports.images.stop_engine):
kaleido's own stop would wait for ever, in a test's teardown and again at the interpreter's exit.
Run in a child process, so the hung browser and the given-up server are that process's alone."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import signal, time
    import psutil
    from exports import images

    images.start_engine()
    hung = psutil.Process().children(recursive=True)
    assert hung, "the engine started no browser"
    for p in hung:
        p.send_signal(signal.SIGSTOP)  # the browser hangs: kaleido's stop never returns
    t0 = time.monotonic()
    print("stopped:", images.stop_engine(timeout=3), round(time.monotonic() - t0))
    images.start_engine()  # a new engine, beside the hung one
    png = images.figure_bytes({"data": [{"type": "bar", "y": [1, 2]}]}, "png")
    print("png:", png[:4] == b"\\x89PNG")
    print("stopped again:", images.stop_engine())
    for p in hung:
        p.kill()
""")


def test_a_hung_engine_is_given_up_and_replaced(image_engine):
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("stopped: False ")
    assert int(lines[0].split()[-1]) < 10  # waited its 3 s, not for ever
    assert lines[1:] == ["png: True", "stopped again: True"]
