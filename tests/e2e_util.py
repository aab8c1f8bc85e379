"""What the end-to-end test scripts share: counting failed checks."""

failures = 0


def check(cond, what):
    """Records a failed check and says what it compared."""
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)
