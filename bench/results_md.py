"""Writing one tool's section of bench/RESULTS.md, shared by the bench scripts that
measure apart from run_bench.py (assign_bench.py, scale_bench.py)."""
import os
import subprocess

MARKER = "<!-- The sections below are measured by other tools; run_bench.py keeps them. -->"


def write_section(path, title, text):
    """Puts `text` (which starts with the heading `title`) after MARKER in the report at
    `path`: in place of an earlier section with that heading (up to the next "## "), else
    at the end; the other sections stay as they are."""
    try:
        with open(path, encoding="utf-8") as f:
            old = f.read()
    except OSError:
        old = ""
    if MARKER not in old:
        old = old.rstrip("\n") + "\n\n" + MARKER + "\n"
    head, tail = old.split(MARKER, 1)
    at = tail.find(title)
    if at >= 0:
        end = tail.find("\n## ", at + len(title))
        tail = tail[:at] + (tail[end + 1:] if end >= 0 else "")
    tail = tail.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(head + MARKER + tail)
    os.replace(tmp, path)


def machine():
    """CPU model, cores and the load average now, for a section's first line."""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the start"


def git_commit():
    try:
        return subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse",
                               "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip() or "?"
    except OSError:
        return "?"
