"""The similarity measure the scenario-pool tests use to reject near-duplicate scenarios.

Two scenarios are near-duplicates when some text of one is close to some text of the other. Closeness is the
cosine of TF-IDF vectors over word unigrams and bigrams (English stop words removed, IDF fitted on every text
of the pool at once): a request that only swaps a name or a number still shares most of its weighted terms,
while two requests on one topic that ask for different things do not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity


@dataclass(frozen=True)
class ClosePair:
    first: str
    second: str
    similarity: float
    first_text: str
    second_text: str

    def describe(self) -> str:
        return (
            f"{self.first} ~ {self.second}: cosine {self.similarity:.2f}\n"
            f"    {self.first_text!r}\n    {self.second_text!r}"
        )


def closest_pairs(texts_by_scenario: Mapping[str, Sequence[str]], top: int = 10) -> list[ClosePair]:
    """The `top` most similar pairs of scenarios (each pair by its closest two texts), most similar first."""
    owners = [scenario for scenario, texts in texts_by_scenario.items() for _ in texts]
    texts = [text for group in texts_by_scenario.values() for text in group]
    vectors = TfidfVectorizer(ngram_range=(1, 2), stop_words="english", sublinear_tf=True).fit_transform(texts)
    similarity = cosine_similarity(vectors)
    best: dict[tuple[str, str], ClosePair] = {}
    for i, first in enumerate(owners):
        for j in range(i + 1, len(owners)):
            second = owners[j]
            if first == second:
                continue
            key = (first, second) if first < second else (second, first)
            score = float(similarity[i, j])
            if key not in best or score > best[key].similarity:
                best[key] = ClosePair(key[0], key[1], score, texts[i], texts[j])
    return sorted(best.values(), key=lambda pair: -pair.similarity)[:top]
