"""YAML text to data, with the line of every key: for errors that say ``file:line: key``.

Safe loading only (no Python objects), one parse (the nodes carry their lines), duplicate
keys refused (YAML would silently keep the last one), and no alias bombs: a document whose
aliases would expand past ``MAX_VALUES`` values (a few hundred bytes can reach gigabytes)
is refused before anything is built. The playbook and the YAML form of
the configuration file both read through here.
"""

from __future__ import annotations

from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is 10x faster when present

KeyPath = tuple[Any, ...]

MAX_VALUES = 100_000
"""The most values (scalars, lists, mappings) a document may hold once aliases expand."""


class YamlError(ValueError):
    """The text is not usable YAML; ``problems`` lists each as ``source:line: what``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def load_yaml(text: str, source: str) -> tuple[Any, dict[KeyPath, int]]:
    """The document's data and the 1-based line of each key path (``("sources", 0, "path")``)."""
    try:
        loader = _Loader(text)
    except UnicodeEncodeError as exc:  # libyaml refuses lone surrogates
        line = text.count("\n", 0, exc.start) + 1
        raise YamlError([f"{source}:{line}: not valid Unicode: {exc.reason}"]) from exc
    try:
        root = loader.get_single_node()
        if root is not None and _expanded_size(root, {}, set()) > MAX_VALUES:
            raise YamlError(
                [
                    f"{source}:1: the document expands to more than {MAX_VALUES:,} values "
                    "through its aliases (*name): write the values out instead"
                ]
            )
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        context = ""
        if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            context = f" ({exc.context} on line {exc.context_mark.line + 1})"
        raise YamlError([f"{source}:{line}: YAML syntax: {exc.problem}{context}"]) from exc
    except yaml.reader.ReaderError as exc:
        # (libyaml counts its position in bytes: find the character instead)
        at = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line = text.count("\n", 0, at if at >= 0 else exc.position) + 1
        problem = f"character U+{exc.character:04X} is not allowed in YAML ({exc.reason})"
        raise YamlError([f"{source}:{line}: YAML syntax: {problem}"]) from exc
    finally:
        loader.dispose()
    lines: dict[KeyPath, int] = {}
    duplicates: list[str] = []
    if root is not None:
        _index_lines(root, (), lines, duplicates, source)
    if duplicates:
        raise YamlError(duplicates)
    return data, lines


def _index_lines(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    duplicates: list[str],
    source: str,
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)  # a key's own line, when it has one
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                where = ".".join(map(str, (*path, key)))
                duplicates.append(
                    f"{source}:{key_node.start_mark.line + 1}: {where}: duplicate key "
                    "(YAML would silently keep only the last one)"
                )
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _index_lines(value_node, (*path, key), lines, duplicates, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*path, index), lines, duplicates, source)


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """How many values ``node`` stands for once every alias is expanded (memoized per node,
    so the count itself stays linear in the document). A node that contains itself counts
    as past the limit."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        return MAX_VALUES + 1
    open_nodes.add(key)
    size = 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            size += _expanded_size(key_node, sizes, open_nodes)
            size += _expanded_size(value_node, sizes, open_nodes)
            if size > MAX_VALUES:
                break
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            size += _expanded_size(item, sizes, open_nodes)
            if size > MAX_VALUES:
                break
    open_nodes.discard(key)
    sizes[key] = size
    return size
