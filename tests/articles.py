"""Hand-written test articles (fiction written for these tests)."""

from __future__ import annotations

from index.models import ArticleInput

HARBOR = ArticleInput(
    id="harbor-bridge",
    title="Harbor bridge to close for six months of repairs",
    source="Coastal Ledger",
    published="2026-03-02",
    url="https://example.org/harbor-bridge",
    text=(
        "The Harbor Bridge will close to all traffic from April 1 for six months while crews "
        "replace corroded steel cables, the city transport office said on Monday.\n\n"
        '"We cannot keep patching cables that were installed in 1962," said Dana Whitfield, '
        'the city\'s chief engineer. "Full replacement is the only safe option."\n\n'
        "Ferry operators expect ridership to double during the closure. Extra ferries will run "
        "every fifteen minutes during rush hour.\n\n"
        "Local shop owners worry about losing customers. Owen Pratt, who runs a bakery near the "
        "bridge, said he expected sales to fall by a third."
    ),
)

ORCHARD = ArticleInput(
    id="orchard-frost",
    title="Late frost damages apple orchards across the valley",
    source="Valley Farmer",
    published="2026-04-18",
    text=(
        "A late frost on Tuesday night damaged apple blossoms across the valley, and growers "
        "fear the harvest could shrink by half.\n\n"
        '"Three nights below freezing in April is something I have never seen," said Marta '
        "Ilves, who has farmed apples for thirty years.\n\n"
        "Agronomist Paul Brenner said smudge pots and wind machines saved some trees but could "
        "not protect the lower slopes."
    ),
)

SYNDICATED_A = ArticleInput(
    id="wire-a",
    title="Library extends weekend opening hours",
    source="Daily Post",
    text=(
        "The central library will stay open until 10 p.m. on Saturdays and Sundays starting in "
        "June, its director announced.\n\nThe change follows a petition signed by 4,000 students."
    ),
)
SYNDICATED_B = ArticleInput(
    id="wire-b",
    title="Central library to open later at weekends",
    source="Evening Star",
    text=SYNDICATED_A.text,
)
