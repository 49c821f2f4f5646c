"""Spread styles over associations so that every style occurs, in seeded proportions."""

from __future__ import annotations

from random import Random


def dealt(rng: Random, weights: dict[str, int], count: int) -> list[str]:
    """``count`` choices with every option at least once (when count allows) and the rest
    in proportion to ``weights``, shuffled by ``rng``."""
    options = list(weights)
    total = sum(weights.values())
    deck = list(options[:count])
    remaining = count - len(deck)
    quotas = {option: weights[option] * remaining / total for option in options}
    for option in options:
        deck += [option] * int(quotas[option])
    by_remainder = sorted(
        options, key=lambda option: (-(quotas[option] % 1), options.index(option))
    )
    deck += by_remainder[: count - len(deck)]
    rng.shuffle(deck)
    return deck
