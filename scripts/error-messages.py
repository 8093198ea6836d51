#!/usr/bin/env python3
"""Every error message Floe can print, from its sources: the text of each error it throws
(ReduceError, PlanError, JobFileError, ValidationError, CommandError, GenerateError,
UnitError, HDF5Error, and report.error / failure texts), with interpolations as `…`.

  scripts/error-messages.py            list them: file:line<TAB>message
  scripts/error-messages.py --check docs/troubleshooting.md
                                       exit 1 naming each message the page does not explain
"""
import pathlib, re, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CALL = re.compile(
    r"\b(ReduceError|PlanError|JobFileError|ValidationError|CommandError|GenerateError|UnitError)\(\s*"
    r"|\bHDF5Error\(\s*\.\w+,\s*"
    r"|,\s*\.(?:readFailed|writeFailed|createFailed|cannotOpen|objectNotFound|unsupportedType|invalidSelection|library),\s*(?=\")"
    r"|\breport\.error\s*=\s*"
    r"|\bfailure\s*=\s*(?=\")"
    r"|\bthrow\s+JobFailure\(message:\s*(?=\")"
    r"|\bprintError\(\s*(?=\")"
    r"|\bmessage\s*=\s*(?=\")"
    r"|\blet message\s*=\s*(?=\")")


def literal_at(text, i):
    """The Swift string literal starting at text[i] (a quote), and where it ends."""
    assert text[i] == '"'
    j, depth, out = i + 1, 0, []
    while j < len(text):
        c = text[j]
        if c == "\\" and text[j + 1] == "(":
            depth, j = 1, j + 2
            while depth:
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            out.append("…")
            continue
        if c == "\\":
            out.append(text[j + 1])
            j += 2
            continue
        if c == '"':
            return "".join(out), j + 1
        out.append(c)
        j += 1
    return "".join(out), j


def messages():
    for path in sorted((ROOT / "Sources").rglob("*.swift")):
        text = path.read_text()
        for m in CALL.finditer(text):
            i = m.end()
            parts = []
            # Literals joined by `+` (across lines), up to the first that is not.
            while i < len(text) and text[i] == '"' and not text.startswith('"""', i):
                part, i = literal_at(text, i)
                parts.append(part)
                k = i
                while k < len(text) and text[k] in " \n\t":
                    k += 1
                if k < len(text) and text[k] == "+":
                    k += 1
                    while k < len(text) and text[k] in " \n\t":
                        k += 1
                    if k < len(text) and text[k] == '"':
                        i = k
                        continue
                break
            message = "".join(parts)
            if len(re.sub(r"[^A-Za-z]", "", message)) < 8 or " " not in message.strip():
                continue  # only names and numbers: the words are elsewhere
            line = text.count("\n", 0, m.start()) + 1
            yield f"{path.relative_to(ROOT)}:{line}", message


def key(message):
    """The message's fixed words, for finding it in the page: the longest run between …."""
    return max((p.strip(" :;,.'()") for p in message.split("…")), key=len)


if __name__ == "__main__":
    found = list(messages())
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        page = pathlib.Path(sys.argv[2]).read_text()
        missing = [(where, msg) for where, msg in found if key(msg) not in page]
        for where, msg in missing:
            print(f"{where}: not in {sys.argv[2]}: {msg}", file=sys.stderr)
        print(f"error-messages: {len(found) - len(missing)} of {len(found)} messages explained in {sys.argv[2]}")
        sys.exit(1 if missing else 0)
    for where, msg in found:
        print(f"{where}\t{msg}")
