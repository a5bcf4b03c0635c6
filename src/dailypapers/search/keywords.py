"""Key phrases of a paper, from its title and abstract, weighed against the whole collection.

Candidates are the runs of words between stopwords and punctuation (as RAKE splits a text), and
every phrase of one to three words within a run. A candidate scores by how often the paper
uses it (its title counts thrice), longer phrases a little more, times how rare it is among
all the papers (inverse document frequency): "masked diffusion" beats "diffusion", and "large
language models" beats "experiments". The best few that do not repeat each other are kept.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_WORDS = 3
KEEP = 5
TITLE_WEIGHT = 3
# Words that end a phrase: English function words, and the words every abstract uses to say
# what it does, which name no topic.
STOPWORDS = frozenset(
    """a about above across after again against all almost along also although always am among
    an and another any are around as at be became because been before being below between both
    but by can cannot could did do does doing done down during each either enough especially
    etc even ever every few for from further get gets given gives had has have having here how
    however i if in into is it its itself just least less like made make makes many may more
    most much must my near neither no nor not now of off often on once one only onto or other
    others otherwise our out over own per rather same several she should since so some such
    than that the their them then there these they this those though through thus to too
    toward towards under until up upon us use used uses using very via was we well were what
    when where whether which while who whom whose why will with within without would yet you
    your
    achieve achieves achieving address addresses approach approaches based benchmark
    benchmarks best better challenge challenges challenging code compared comprehensive
    demonstrate demonstrates effective effectively efficient enable enables existing experiment
    experiments extensive framework frameworks furthermore github however improve improved
    improves improving including introduce introduces key large-scale leverage leverages
    method methods moreover new novel outperform outperforms paper particular performance
    present presents previous problem propose proposed proposes recent recently remain remains
    result results second show shows significant significantly simple specifically state-of-the-art
    strong study studies superior task tasks various way well-known work works""".split()
)
# Single words with these endings are verbs and adverbs more often than topics.
_VERBAL = ("ing", "ed", "ly")
_WORD = re.compile(r"[^\W\d_][\w]*(?:[-'][\w]+)*")
# What ends a run of words besides a stopword: sentence and clause punctuation, brackets,
# quotes, dashes between spaces, and math.
_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”‘’/|]|\$[^$]*\$|\s[-–—]\s|\s-{2,}\s")


@dataclass(frozen=True, slots=True)
class Phrase:
    key: str  # lower case, one space between words
    words: int
    shown: str  # as the paper first writes it


def _runs(text: str) -> Iterable[list[str]]:
    for segment in _BREAK.split(text):
        run: list[str] = []
        for word in _WORD.findall(segment):
            if word.lower() in STOPWORDS or len(word) < 2:
                if run:
                    yield run
                run = []
            else:
                run.append(word)
        if run:
            yield run


def candidates(text: str) -> list[Phrase]:
    """Every candidate phrase of ``text``, once per time it occurs, in order."""
    found = []
    for run in _runs(text):
        for start in range(len(run)):
            for length in range(1, min(MAX_WORDS, len(run) - start) + 1):
                words = run[start : start + length]
                found.append(Phrase(" ".join(w.lower() for w in words), length, " ".join(words)))
    return found


def phrase_keys(title: str, abstract: str | None) -> set[str]:
    """The distinct candidates of a paper, for the collection's document frequencies."""
    return {phrase.key for phrase in candidates(f"{title}\n{abstract or ''}")}


def key_phrases(
    title: str,
    abstract: str | None,
    document_frequency: Mapping[str, int],
    documents: int,
    keep: int = KEEP,
) -> list[str]:
    """The paper's best ``keep`` phrases, as it writes them, best first.

    ``document_frequency`` counts the papers of the collection (``documents`` of them) that
    have each candidate (``phrase_keys``). A phrase is kept when the paper uses it twice, or in
    its title; one that shares a word with a phrase kept already is passed over.
    """
    weight: Counter[str] = Counter()
    shown: dict[str, str] = {}
    words: dict[str, int] = {}
    for source, factor in ((abstract or "", 1), (title, TITLE_WEIGHT)):
        for phrase in candidates(source):
            weight[phrase.key] += factor
            words[phrase.key] = phrase.words
            shown.setdefault(phrase.key, phrase.shown)  # the abstract's writing first
    scores = []
    for key, count in weight.items():
        if count < 2 or (words[key] == 1 and not _named(shown[key]) and key.endswith(_VERBAL)):
            continue
        rarity = math.log((documents + 1) / (document_frequency.get(key, 0) + 1)) + 1
        # A single common word says less than a phrase or a name (PaperBanana, RLVR).
        length = 1 + 0.5 * (words[key] - 1) if words[key] > 1 or _named(shown[key]) else 0.6
        scores.append((count * rarity * length, key))
    chosen: list[str] = []
    taken: set[str] = set()
    for _, key in sorted(scores, key=lambda item: (-item[0], item[1])):
        parts = set(key.split())
        if parts & taken:
            continue
        chosen.append(key)
        taken |= parts
        if len(chosen) == keep:
            break
    return [_display(shown[key]) for key in chosen]


def _named(word: str) -> bool:
    """Whether a word is written as a name is (LLM, RLVR, PaperBanana, NVFP4), not only
    capitalised as a title or a sentence writes words."""
    return any(part.isupper() or any(c.isupper() for c in part[1:]) for part in _parts(word))


def _parts(word: str) -> list[str]:
    return [part for part in re.split(r"[-']", word) if part]


def _display(phrase: str) -> str:
    # Names keep their case, part by part ("best-of-N"); other words are shown in lower case.
    return " ".join(
        "-".join(
            part if part.isupper() or any(c.isupper() for c in part[1:]) else part.lower()
            for part in word.split("-")
        )
        for word in phrase.split()
    )
