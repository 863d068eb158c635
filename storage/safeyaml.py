"""YAML of operators' files (sites.yaml, schemes, calendars) read without the two traps of the format.

- **No aliases**: an alias (`*name`, and the `<<: *name` merge that needs one) expands before anything
  is validated — nine nested aliases in a 412-byte sites.yaml built a billion nodes (1.4 s, then memory
  exhausted). No file of ours needs one; an alias is refused where it stands.
- **No duplicate keys**: PyYAML keeps the last of two equal keys silently (a second `url:` replaced the
  first). A duplicate is refused naming both lines.
- **A node cap** (`MAX_NODES`) besides, so no other construction can build an unbounded document.

Errors are `yaml.MarkedYAMLError`s with `problem` and `problem_mark`, so every caller's existing
"file:line: not valid YAML: …" message names the place.
"""
from __future__ import annotations

import yaml
from yaml.composer import ComposerError

MAX_NODES = 200_000  # sites.yaml of 3,000 sites with columns and accounts is ~60,000 nodes


class StrictLoader(yaml.SafeLoader):
    """A SafeLoader refusing aliases and duplicate keys, and documents of more than MAX_NODES nodes."""

    def __init__(self, stream) -> None:  # noqa: ANN001
        super().__init__(stream)
        self._nodes = 0

    def compose_node(self, parent, index):  # noqa: ANN001, ANN201
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(None, None, f"YAML aliases are not allowed (*{event.anchor}): write the value out",
                                event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise ComposerError(None, None, f"more than {MAX_NODES} YAML nodes", self.peek_event().start_mark)
        return super().compose_node(parent, index)

    def compose_mapping_node(self, anchor):  # noqa: ANN001, ANN201
        node = super().compose_mapping_node(anchor)
        seen: dict[object, int] = {}
        for key, _value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            ident = (self.resolve(yaml.ScalarNode, key.value, (True, False)) if key.tag is None else key.tag,
                     key.value)
            if ident in seen:
                raise ComposerError(None, None, f"duplicate key {key.value!r} (first on line {seen[ident]})",
                                    key.start_mark)
            seen[ident] = key.start_mark.line + 1
        return node


def load(text: str, loader: type[StrictLoader] = StrictLoader):  # noqa: ANN201
    """One YAML document, strictly (aliases, duplicate keys and oversized documents refused)."""
    return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass


def compose(text: str, loader: type[StrictLoader] = StrictLoader) -> yaml.Node | None:
    return yaml.compose(text, Loader=loader)
