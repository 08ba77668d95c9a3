"""guess_language: the stopword guesser used when the network gives no language."""

from __future__ import annotations

import pytest

from sf_social.language import UNDETERMINED, guess_language
from sf_social.text import normalize


def guess(text: str) -> str | None:
    return guess_language(normalize(text).tokens.split())


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I can't log in to my account and the app is still broken", "en"),
        ("Why is the transfer I made this morning not in my account yet?", "en"),
        ("No puedo entrar a mi cuenta desde ayer y nadie me ayuda", "es"),
        ("¿Por qué la app no funciona? Ya es la tercera vez que pasa", "es"),
        ("Je ne peux pas me connecter à mon compte depuis hier", "fr"),
        ("Votre application ne marche toujours pas, c'est très pénible", "fr"),
        ("Ich kann mich nicht anmelden und die App stürzt immer ab", "de"),
        ("Warum ist mein Konto seit gestern gesperrt? Das ist nicht ok", "de"),
        ("Não consigo acessar minha conta e o aplicativo não funciona", "pt"),
        ("Já tentei três vezes e ainda não recebi o meu cartão", "pt"),
        ("Non riesco ad accedere al mio conto, è un problema molto grave", "it"),
        ("Perché la mia carta non funziona ancora? Sono molto deluso", "it"),
    ],
)
def test_ordinary_sentences(text: str, lang: str) -> None:
    assert guess(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "😡😡😡",
        "🔥👏",
        "hello",
        "gracias",
        "#fail",
        "#fail #worst #northwind",
        "@northwindhelp",
        "https://t.co/abc",
        "",
        "the",
    ],
)
def test_too_little_to_say(text: str) -> None:
    assert guess(text) is None


def test_a_tie_is_not_a_guess() -> None:
    # "con" and "que" are Spanish stopwords, "com" and "que" Portuguese ones: 2 against 2.
    assert guess_language(["con", "que", "com"]) is None
    assert guess_language(["con", "que", "com", "mi"]) == "es"


def test_two_stopwords_are_enough_one_is_not() -> None:
    assert guess_language(["the", "refund"]) is None
    assert guess_language(["the", "refund", "is"]) == "en"


def test_tokens_are_compared_as_given() -> None:
    # The caller lower-cases (normalize does): upper-case stopwords do not count.
    assert guess_language(["THE", "APP", "IS", "DOWN", "AND", "BROKEN"]) is None
    assert guess_language(["the", "app", "is", "down", "and", "broken"]) == "en"


def test_undetermined_codes_of_x() -> None:
    assert {"und", "zxx", "qme", "qht"} <= UNDETERMINED
    assert "en" not in UNDETERMINED
