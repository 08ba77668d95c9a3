"""A tiny trained model for the ``--model`` tests of the commands that plan posts.

Twelve posts teach it "Suggestion" vs "None" (segment only), so its decision shows in the
records: the rules alone see no segment in ``IDEA`` (made-up words no playbook rule
matches: no Case), the model a Suggestion (a Case with ``Social_Segment__c`` "Suggestion"
for Product Management).
The ``tiny_model`` fixture (tests/conftest.py) trains it once per session.
"""

from __future__ import annotations

from pathlib import Path

from sf_social.labels import NO_ACTION, LabelledPost, Task
from sf_social.learning.training import train
from sf_social.playbook import load_playbook
from sf_social.posts import SocialPost

IDEA = "quokka mode for my bills, please"
"""No segment to the rules, a Suggestion to the tiny model."""

SUGGESTIONS = (
    "quokka mode for savings goals please",
    "quokka mode for round-ups",
    "a quokka mode showing my balance",
    "quokka mode on the lock screen, please",
    "quokka mode for spending",
    "bring quokka mode to the home screen please",
)
CHATTER = (
    "just had lunch with friends downtown",
    "watching the game tonight with my brother",
    "the weather is nice today at the park",
    "reading a good book on the train home",
    "coffee first, then the gym this morning",
    "my dog loves the beach in the evening",
)

NOT_A_MODEL = b"PK\x03\x04 not really a model"
"""What a corrupt model file holds in the tests."""


def labelled() -> list[LabelledPost]:
    """The twelve training posts, labelled with their segment only."""
    examples = [(text, "Suggestion") for text in SUGGESTIONS]
    examples += [(text, NO_ACTION) for text in CHATTER]
    return [
        LabelledPost(
            SocialPost.model_validate({"network": "twitter", "id": f"t{n}", "text": text}),
            {Task.SEGMENT: label},
        )
        for n, (text, label) in enumerate(examples)
    ]


def train_tiny_model(path: Path) -> Path:
    """Train the model on the default playbook and save it to ``path``."""
    model = train(labelled(), load_playbook()).model
    assert model is not None
    model.save(path)
    return path


def corrupt_model(path: Path) -> Path:
    """A file named like a model that is not one."""
    path.write_bytes(NOT_A_MODEL)
    return path
