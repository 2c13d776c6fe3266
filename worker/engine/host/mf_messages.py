"""What mfgate keeps of MetricFlow's error messages: the summary, its input,
and the names it suggests."""

import difflib
import re


def suggestions_of(message):
    """The names MetricFlow lists under 'Suggestions:' in an error."""
    block = re.search(r"Suggestions:\s*\[(.*?)\]", message, re.S)
    return re.findall(r"['\"](.+?)['\"]\s*,", block.group(1) + ",") if block else []


def close_names(message, pattern):
    """The names MetricFlow lists after `pattern` (e.g. 'known saved
    queries:'), closest first to the name it quotes in backticks."""
    listed = re.search(re.escape(pattern) + r"\s*\[(.*?)\]", message, re.S)
    given = re.search(r"`([^`]*)`", message)
    if not listed or not given:
        return []
    known = re.findall(r"['\"](.+?)['\"]", listed.group(1))
    return difflib.get_close_matches(given.group(1), known, n=3, cutoff=0.0)


def summary_of(message):
    """The 'Message:' paragraph of a MetricFlow error and its input, on one line."""
    found = re.search(r"Message:\s*(.*?)(?:\n\s*Suggestions:|\n\s*Query Input:|$)", message, re.S)
    text = " ".join((found.group(1) if found else message).split())
    given = re.search(r"Query Input:\s*\n\s*(\S[^\n]*)", message)
    return f"{text} (input: {given.group(1).strip()})" if given else text
