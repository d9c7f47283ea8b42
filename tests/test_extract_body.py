"""Body text rules of the generic path that unseen sites showed (cases written here, ru/kk)."""

from __future__ import annotations

import pytest

from pipelines.sites.base import join_source_breaks


@pytest.mark.parametrize(("raw", "expected"), [
    # an icon inside a link, indented over several source lines, as trafilatura prints it
    ("Подробности на сайте \n   \n    \n    акимата, где опубликован список.",
     "Подробности на сайте акимата, где опубликован список."),
    ("Встреча прошла в доме культуры.\n    Аким ответил на вопросы.",
     "Встреча прошла в доме культуры. Аким ответил на вопросы."),
    ("Жиналыс өтті.  \nӘкім сұрақтарға жауап берді.", "Жиналыс өтті. Әкім сұрақтарға жауап берді."),
    # a bare line break is trafilatura's paragraph break and stays
    ("Первый абзац о встрече.\nВторой абзац о решениях.",
     "Первый абзац о встрече.\nВторой абзац о решениях."),
    ("", ""),
])
def test_source_indentation_inside_a_paragraph_is_joined(raw, expected):
    assert join_source_breaks(raw) == expected


def test_joined_text_keeps_paragraph_count_of_the_page():
    paragraphs = [f"Абзац {n}: жители района обсудили с акимом ремонт дорог и подачу воды."
                  for n in range(5)]
    assert join_source_breaks("\n".join(paragraphs)).split("\n") == paragraphs
